//! What makes a retry "the same request": a digest of what the client sent.

use actix_web::http::Method;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// SHA-256 over the method, the path (with its query string) and the body
/// bytes, as lowercase hex. A key sent again with another fingerprint is a
/// client bug (a key reused for a different request), answered 422.
///
/// The body is compared as bytes, not as parsed JSON: a client retrying
/// sends the very bytes it sent before, and anything looser (key order,
/// whitespace) would need a canonical form we would then have to defend.
/// Headers are left out: a retry may carry a fresh access token, a new
/// `traceparent`, another `User-Agent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of(method: &Method, path_and_query: &str, body: &[u8]) -> Self {
        let mut digest = Sha256::new();
        // Each part behind its length: no two requests share a byte stream
        // (`POST` + `/a` + `b` versus `POST` + `/ab` + ``).
        for part in [method.as_str().as_bytes(), path_and_query.as_bytes(), body] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part);
        }
        let hex = digest
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Fingerprint(hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_path_and_body_each_count_and_cannot_shift_into_each_other() {
        let base = Fingerprint::of(&Method::POST, "/a", b"{}");
        assert_eq!(base, Fingerprint::of(&Method::POST, "/a", b"{}"));
        assert_ne!(base, Fingerprint::of(&Method::PUT, "/a", b"{}"));
        assert_ne!(base, Fingerprint::of(&Method::POST, "/b", b"{}"));
        assert_ne!(base, Fingerprint::of(&Method::POST, "/a", b"{ }"));
        assert_ne!(
            Fingerprint::of(&Method::POST, "/a", b"b"),
            Fingerprint::of(&Method::POST, "/ab", b"")
        );
    }
}
