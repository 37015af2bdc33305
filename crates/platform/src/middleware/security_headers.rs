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

use actix_web::{http::header, middleware::DefaultHeaders};

// ANCHOR: security_headers
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// actix-web's `DefaultHeaders` adds each header unless the response already
/// has it, which is exactly the rule above.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}
// ANCHOR_END: security_headers
