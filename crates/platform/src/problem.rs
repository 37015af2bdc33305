//! RFC 9457 problem details: the one shape every error response takes.
//!
//! ```json
//! { "type": "urn:capstone:problem:validation", "title": "Request failed validation",
//!   "status": 422, "detail": "1 field is invalid", "instance": "/api/v1/users",
//!   "request_id": "0193…", "trace_id": "4bf92f35…", "errors": [{ "pointer": "#/email",
//!   "code": "email", "detail": "must be a valid email address" }] }
//! ```
//!
//! Handlers never build responses for errors. Each service maps its error enum
//! to a `Problem`; the `render_problems` middleware adds `instance`,
//! `request_id` and `trace_id` (which only the request knows) and writes the body. 5xx
//! problems carry their cause chain in a field that is logged, never sent.
//! Explained in docs/src/api-design.md ("Errors").

use std::{borrow::Cow, fmt};

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

// ANCHOR: problem
/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:capstone:problem:validation",
    "title": "Request failed validation",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "/api/v1/users",
    "request_id": "01936d3c-8f5e-7b4a-9c1d-2e3f4a5b6c7d",
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "errors": [{"pointer": "#/email", "code": "email", "detail": "must be a valid email address"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub problem_type: Cow<'static, str>,
    /// A short summary that is the same for every occurrence of this type.
    #[schema(value_type = String)]
    pub title: Cow<'static, str>,
    /// The HTTP status code, repeated for clients that only see the body.
    pub status: u16,
    /// What went wrong this time, for a human.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path that produced the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id: quote it when reporting a problem; logs carry the same id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The W3C trace id (32 hex digits) of the request: every log line the
    /// request wrote, in every service it reached, and its trace carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// One entry per invalid input field (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The cause chain of a server-side failure: logged once, never serialised.
    #[serde(skip)]
    pub internal_cause: Option<String>,
}

/// One invalid field in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) to the field, as a URI fragment: `#/email`.
    pub pointer: String,
    /// A stable, machine-readable reason such as `length` or `email`.
    pub code: String,
    /// A human-readable reason.
    pub detail: String,
}
// ANCHOR_END: problem

impl FieldError {
    pub fn new(
        field_path: &[&str],
        code: impl Into<String>,
        detail: impl Into<String>,
    ) -> FieldError {
        let mut pointer = String::from("#");
        for segment in field_path {
            pointer.push('/');
            // RFC 6901 escaping: `~` and `/` would otherwise split segments.
            pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
        }
        if field_path.is_empty() {
            pointer.push('/');
        }
        FieldError {
            pointer,
            code: code.into(),
            detail: detail.into(),
        }
    }
}

/// What every named problem type starts with: `urn:capstone:problem:email-taken`.
const PROBLEM_TYPE_PREFIX: &str = "urn:capstone:problem:";

impl Problem {
    /// A problem of a named type.
    pub fn new(slug: &'static str, title: &'static str, status: StatusCode) -> Self {
        Self {
            problem_type: format!("{PROBLEM_TYPE_PREFIX}{slug}").into(),
            title: title.into(),
            ..Self::from_status(status)
        }
    }

    /// The slug of a named type (`email-taken`); `None` for `about:blank`.
    /// GraphQL errors carry it as `extensions.code`.
    pub fn slug(&self) -> Option<&str> {
        self.problem_type.strip_prefix(PROBLEM_TYPE_PREFIX)
    }

    /// A problem that the status code describes fully (`about:blank`).
    pub fn from_status(status: StatusCode) -> Self {
        Self {
            problem_type: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            request_id: None,
            trace_id: None,
            errors: Vec::new(),
            internal_cause: None,
        }
    }

    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            count => format!("{count} fields are invalid"),
        };
        Self {
            errors,
            ..Self::new(
                "validation",
                "Request failed validation",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .with_detail(detail)
        }
    }

    /// 500 that says nothing about its cause to the client; the cause chain is
    /// kept for the log line.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        Self::from_status(StatusCode::INTERNAL_SERVER_ERROR)
            .with_detail("An unexpected error occurred. Quote the request id when reporting it.")
            .with_internal_cause(cause)
    }

    /// 503 for a dependency that cannot be reached right now. Names the
    /// dependency (clients and operators can act on that) but not the reason.
    pub fn dependency_unavailable(
        dependency: &str,
        cause: &(dyn std::error::Error + 'static),
    ) -> Self {
        Self::new(
            "dependency-unavailable",
            "A dependency is unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .with_detail(format!(
            "{dependency} is not reachable right now; retry shortly."
        ))
        .with_internal_cause(cause)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Records `cause` and every `source()` below it, outermost first.
    pub fn with_internal_cause(mut self, cause: &(dyn std::error::Error + 'static)) -> Self {
        self.internal_cause = Some(crate::error_chain::with_causes(cause));
        self
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The response for this problem. The `render_problems` middleware finds the
    /// problem in the response extensions and renders it again with the request
    /// id and path; without the middleware this body is still a valid problem.
    pub fn to_response(&self) -> HttpResponse {
        // A 503 tells well-behaved clients (and the gateway) when to try again.
        let retry_after = (self.status_code() == StatusCode::SERVICE_UNAVAILABLE)
            .then_some(std::time::Duration::from_secs(1));
        self.response(retry_after)
    }

    /// [`to_response`](Self::to_response) with `Retry-After: <wait>`, in
    /// whole seconds rounded up (at least 1: retrying early is refused again).
    /// The header is set here, once, whatever the status.
    pub fn to_response_retrying_after(&self, wait: std::time::Duration) -> HttpResponse {
        self.response(Some(wait))
    }

    fn response(&self, retry_after: Option<std::time::Duration>) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(wait) = retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.insert_header((header::RETRY_AFTER, seconds.max(1)));
        }
        let mut response = response.body(self.to_json());
        response.extensions_mut().insert(self.clone());
        response
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail; the fallback is
        // still a valid problem body rather than a panic.
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                r#"{{"type":"about:blank","title":"Internal Server Error","status":{}}}"#,
                self.status
            )
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{} ({}): {detail}", self.title, self.status),
            None => write!(f, "{} ({})", self.title, self.status),
        }
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        Problem::status_code(self)
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response()
    }
}

mod from_validator;

pub use from_validator::field_errors;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_status_only_problem_is_about_blank_with_the_reason_as_title() {
        let problem = Problem::from_status(StatusCode::NOT_FOUND);
        let body: serde_json::Value = serde_json::from_str(&problem.to_json()).expect("json");
        assert_eq!(
            body,
            json!({"type": "about:blank", "title": "Not Found", "status": 404})
        );
    }

    #[test]
    fn internal_problems_keep_the_cause_out_of_the_body() {
        let cause = std::io::Error::other("password=hunter2 leaked in a driver message");
        let problem = Problem::internal(&cause);
        assert!(!problem.to_json().contains("hunter2"));
        assert!(
            problem
                .internal_cause
                .as_deref()
                .is_some_and(|c| c.contains("hunter2"))
        );
    }

    #[test]
    fn field_pointers_escape_slashes_and_tildes() {
        let error = FieldError::new(&["a/b", "c~d"], "code", "detail");
        assert_eq!(error.pointer, "#/a~1b/c~0d");
    }

    #[test]
    fn unavailable_problems_ask_clients_to_retry() {
        let cause = std::io::Error::other("refused");
        let response = Problem::dependency_unavailable("Postgres", &cause).to_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&header::HeaderValue::from_static("1"))
        );
    }
}
