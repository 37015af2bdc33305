//! What Redis holds for one key: a claim while the first request runs, then
//! the response it got.

use actix_web::{
    HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderMap, HeaderName, HeaderValue},
    },
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Fingerprint, key::REPLAYED_HEADER};

/// One key's record, stored as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum Record {
    /// The first request is running. `claim` is unique to it: only the
    /// request that claimed the key may complete or release it, so one that
    /// outlived its claim cannot overwrite the next request's.
    InFlight {
        fingerprint: Fingerprint,
        claim: Uuid,
    },
    /// The first request finished; every retry gets `response`.
    Completed {
        fingerprint: Fingerprint,
        response: StoredResponse,
    },
}

impl Record {
    pub(crate) fn fingerprint(&self) -> &Fingerprint {
        match self {
            Record::InFlight { fingerprint, .. } | Record::Completed { fingerprint, .. } => {
                fingerprint
            }
        }
    }

    pub(crate) fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// The headers a replay repeats: those that are part of the answer. The
/// rest are the response's own (`X-Request-Id`, the security headers, which
/// the replay gets afresh) or must not be repeated (`Set-Cookie`: none of
/// these endpoints sets one, and a stored cookie would be a stored secret).
const REPLAYED_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CACHE_CONTROL,
    header::WWW_AUTHENTICATE,
];

/// A response as the client first got it: status, the headers that make
/// up the answer, and the body, byte for byte.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredResponse {
    status: u16,
    headers: Vec<(String, String)>,
    /// Base64: a body is bytes, and JSON holds text.
    body: String,
}

impl StoredResponse {
    pub fn capture(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let headers = REPLAYED_HEADERS
            .iter()
            .flat_map(|name| {
                headers.get_all(name).filter_map(|value| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
            })
            .collect();
        Self {
            status: status.as_u16(),
            headers,
            body: STANDARD.encode(body),
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The stored response again, marked `Idempotent-Replayed: true`.
    pub fn replay(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                response.append_header((name, value));
            }
        }
        response.insert_header((REPLAYED_HEADER, "true"));
        // Written by `capture`; a body that does not decode is a record
        // written by something else, replayed as empty rather than failed.
        response.body(STANDARD.decode(&self.body).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_response_replays_its_status_answer_headers_and_body() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            header::LOCATION,
            HeaderValue::from_static("/api/v1/users/1"),
        );
        headers.insert(header::SET_COOKIE, HeaderValue::from_static("secret=1"));
        let stored = StoredResponse::capture(StatusCode::CREATED, &headers, b"{\"id\":1}");
        let json = serde_json::to_string(&stored).expect("serialises");
        let stored: StoredResponse = serde_json::from_str(&json).expect("parses");

        let replay = stored.replay();

        assert_eq!(replay.status(), StatusCode::CREATED);
        assert_eq!(
            replay.headers().get(header::LOCATION).map(|v| v.as_bytes()),
            Some(&b"/api/v1/users/1"[..])
        );
        assert_eq!(
            replay.headers().get(REPLAYED_HEADER).map(|v| v.as_bytes()),
            Some(&b"true"[..])
        );
        assert!(replay.headers().get(header::SET_COOKIE).is_none());
    }
}
