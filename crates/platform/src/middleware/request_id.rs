//! Request ids: accept the caller's `X-Request-Id` (a gateway or a client that
//! wants to correlate), or mint a UUIDv7, then echo it on the response.
//!
//! The id goes into the request extensions, where the root span, the access
//! log and problem bodies read it. A caller-chosen id is accepted only if it is
//! short printable ASCII: it ends up in logs, so it must not be able to forge
//! log lines or blow up their size.

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use std::future::{Ready, ready};

/// The header carrying the id, both ways.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest caller-supplied id we keep; longer ones are replaced.
const MAX_INCOMING_LENGTH: usize = 128;

/// The id of the request being served. Extract it in a handler with
/// `request_id: RequestId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh, time-ordered id (UUIDv7): sorting ids sorts requests by time.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// Keeps an incoming id only if it is safe to log and echo.
    pub fn from_incoming(value: &HeaderValue) -> Option<Self> {
        let text = value.to_str().ok()?;
        let acceptable = !text.is_empty()
            && text.len() <= MAX_INCOMING_LENGTH
            && text.bytes().all(|byte| byte.is_ascii_graphic());
        acceptable.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for RequestId {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // The middleware always runs first; a generated id keeps handlers
        // working in unit tests that skip it.
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::generate);
        ready(Ok(id))
    }
}

// ANCHOR: request_id_middleware
/// Middleware (use with `actix_web::middleware::from_fn`).
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(RequestId::from_incoming)
        .unwrap_or_else(RequestId::generate);
    req.extensions_mut().insert(id.clone());

    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}
// ANCHOR_END: request_id_middleware

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_incoming_id_is_kept() {
        let value = HeaderValue::from_static("gateway-1234");
        assert_eq!(
            RequestId::from_incoming(&value).map(|id| id.0),
            Some("gateway-1234".to_owned())
        );
    }

    #[test]
    fn ids_with_spaces_or_too_long_are_refused() {
        assert!(RequestId::from_incoming(&HeaderValue::from_static("a b")).is_none());
        let long = "x".repeat(MAX_INCOMING_LENGTH + 1);
        let value = HeaderValue::from_str(&long).expect("ascii");
        assert!(RequestId::from_incoming(&value).is_none());
    }

    #[test]
    fn generated_ids_are_uuid_v7() {
        let id = RequestId::generate();
        let parsed = uuid::Uuid::parse_str(id.as_str()).expect("a uuid");
        assert_eq!(parsed.get_version_num(), 7);
    }
}
