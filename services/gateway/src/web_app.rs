//! The web application (`web/`), served at `/` from files compiled into the
//! gateway: `web/dist/` is committed, so `cargo run` shows the app with no
//! Node.js on the machine, and an image carries it with no extra step
//! (docs/src/adr/0010-the-web-app-ships-built.md).
//!
//! Only what no route claims comes here, and only `GET` and `HEAD`:
//!
//! | request | answer |
//! |---|---|
//! | a file of the build (`/assets/index-3f2a….js`, `/favicon.svg`) | the file; under `/assets/` (names carry a content hash) cached for a year, the rest revalidated |
//! | any other path, from a browser (`Accept: text/html`) | `index.html`: the app routes on the client, and the emailed links (`/verify-email?token=…`) land on it |
//! | anything else | `None`: the caller answers 404 problem+json, as before |
//!
//! The page gets a stricter Content-Security-Policy than the API's default
//! (no inline styles at all: the app has none), and every file an `ETag`.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        Method,
        header::{self, HeaderValue},
    },
};
use capstone_platform::canonical_path::CanonicalPath;

// ANCHOR: embed
/// `web/dist/`, built by `scripts/web.sh build` and committed. In a debug
/// build the files are read from disk at each request (rebuild the app,
/// reload the page); a release build carries them inside the binary.
#[derive(rust_embed::Embed)]
#[folder = "../../web/dist/"]
struct Build;
// ANCHOR_END: embed

// ANCHOR: page_policy
/// What the page may load: its own scripts, styles, images and API calls,
/// nothing inline, nothing from elsewhere, never framed.
pub const PAGE_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// ANCHOR_END: page_policy

/// Hashed file names never change content: a year, and no revalidation.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` and unhashed files: use, but ask first (a deploy changes them).
const REVALIDATE: &str = "no-cache";

/// The app's answer to a request no route claimed, if it has one.
pub fn serve(request: &HttpRequest, path: &CanonicalPath) -> Option<HttpResponse> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let file = path.as_str().trim_start_matches('/');
    if !file.is_empty()
        && let Some(found) = Build::get(file)
    {
        let cache = if file.starts_with("assets/") {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        return Some(respond(request, &found, cache));
    }
    // Files live under /assets/: a missing one is a 404, not the page.
    if file.starts_with("assets/") || !accepts_html(request) {
        return None;
    }
    let index = Build::get("index.html")?;
    Some(respond(request, &index, REVALIDATE))
}

fn respond(request: &HttpRequest, file: &rust_embed::EmbeddedFile, cache: &str) -> HttpResponse {
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let unchanged = if_none_match(request, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            PAGE_CONTENT_SECURITY_POLICY,
        ));
    if unchanged || request.method() == Method::HEAD {
        return response.finish();
    }
    response.body(file.data.clone().into_owned())
}

/// Whether the client asked for a page (a browser navigating does).
fn accepts_html(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn if_none_match(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get(header::IF_NONE_MATCH)
        .map(HeaderValue::as_bytes)
        .is_some_and(|sent| {
            sent.split(|byte| *byte == b',')
                .any(|tag| tag.trim_ascii() == etag.as_bytes())
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
