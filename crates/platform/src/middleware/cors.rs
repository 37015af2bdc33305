//! Cross-origin resource sharing: which *other* web origins may call this API
//! from a browser.
//!
//! Browsers refuse to let a page on `https://app.example` read responses from
//! this API unless the API says that origin is allowed. The list comes from
//! config (`…http.cors_allowed_origins`) and is empty by default: same-origin
//! pages (Swagger UI at `/docs/`) and non-browser clients (curl, other
//! services) are not affected by CORS at all.
//!
//! A request from an origin not on the list is still served, just without the
//! `Access-Control-Allow-*` headers: the browser then hides the response from
//! the page. Rejecting it outright (actix-cors' default) would also break
//! same-origin requests, since browsers send `Origin` on those too.

use actix_cors::Cors;
use actix_web::http::{Method, header};

use super::REQUEST_ID_HEADER;

// ANCHOR: cors
/// The CORS policy for `allowed_origins` (exact origins: scheme, host, port).
pub fn cors(allowed_origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .block_on_origin_mismatch(false)
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            REQUEST_ID_HEADER,
        ])
        .expose_headers([
            header::LOCATION.as_str(),
            header::RETRY_AFTER.as_str(),
            REQUEST_ID_HEADER.as_str(),
            // The gateway's rate-limit state, so a browser app can slow down.
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "ratelimit-policy",
        ])
        .max_age(3600);
    for origin in allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
// ANCHOR_END: cors
