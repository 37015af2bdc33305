//! Security headers on every response.
//!
//! An API answers mostly JSON, but browsers also load it (Swagger UI at
//! `/docs/`, error pages, a mistaken link), so it tells them how to treat what
//! it sends. Each header closes one door:
//!
//! | header | stops |
//! |---|---|
//! | `Strict-Transport-Security` | downgrade to plain HTTP once a browser has seen HTTPS (ignored over HTTP, so harmless in development) |
//! | `X-Content-Type-Options: nosniff` | a browser "guessing" that a JSON error body is HTML or script |
//! | `Content-Security-Policy` | injected script: only this origin's files run; no framing, no plugins |
//! | `Referrer-Policy: no-referrer` | URLs (with ids or tokens in them) leaking to other sites |
//! | `X-Frame-Options: DENY` | clickjacking in browsers too old for `frame-ancestors` |
//!
//! The policy allows what Swagger UI needs and nothing more: its scripts and
//! styles come from this origin, it sets inline styles and uses `data:` images
//! for its icons. A handler that sets one of these headers itself keeps its own.

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
};

// ANCHOR: security_headers
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (
        header::STRICT_TRANSPORT_SECURITY,
        "max-age=31536000; includeSubDomains",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(response)
}
// ANCHOR_END: security_headers
