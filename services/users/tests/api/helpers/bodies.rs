//! Response bodies as the tests read them. Each denies unknown fields, so a
//! field the API starts sending without a test noticing fails the suite.

use serde::Deserialize;
use uuid::Uuid;

/// A user as the API returns it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub email_verified_at: Option<String>,
    pub disabled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of users as the API returns it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageBody {
    pub items: Vec<UserBody>,
    pub next_cursor: Option<String>,
}

/// An RFC 9457 problem as the API returns it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    pub instance: Option<String>,
    pub request_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<FieldErrorBody>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FieldErrorBody {
    pub pointer: String,
    pub code: String,
    pub detail: String,
}

impl ProblemBody {
    /// The `(pointer, code)` pairs, for compact assertions.
    pub fn field_codes(&self) -> Vec<(&str, &str)> {
        self.errors
            .iter()
            .map(|error| (error.pointer.as_str(), error.code.as_str()))
            .collect()
    }
}

/// A response header as text, if present and printable.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Asserts `response` is a problem+json with `status`, and returns the problem.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> ProblemBody {
    assert_eq!(response.status(), status, "status");
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/problem+json")
    );
    let request_id = header(&response, "x-request-id");
    let problem: ProblemBody = response.json().await.expect("a problem body");
    assert_eq!(problem.status, status, "status in the body");
    assert!(
        problem.request_id.is_some(),
        "problems carry the request id"
    );
    assert_eq!(problem.request_id, request_id, "the same id as the header");
    problem
}
