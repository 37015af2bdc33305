//! Every request's path made canonical before anything routes on it, or the
//! request refused with a 400 problem (see [`crate::canonical_path`]).
//!
//! The request's URI is replaced by the canonical one, so actix's router,
//! the handlers, the access log's route and, in the gateway, the path sent
//! upstream all read the same text; the [`CanonicalPath`] is also left in
//! the request extensions for code that wants the type, not just a string.

use actix_web::{
    Error, HttpMessage,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        StatusCode, Uri,
        uri::{InvalidUriParts, PathAndQuery},
    },
    middleware::Next,
};

use crate::{
    canonical_path::{CanonicalPath, PathRefusal},
    problem::Problem,
};

// ANCHOR: canonical_path_middleware
/// Middleware (use with `actix_web::middleware::from_fn`).
pub async fn canonical_path(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let path = match CanonicalPath::parse(req.path()) {
        Ok(path) => path,
        Err(refusal) => {
            tracing::info!(reason = %refusal, "request path refused");
            let response = refused_path(refusal).to_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    if path.as_str() != req.path() {
        let uri = with_path(req.uri(), &path).map_err(actix_web::error::ErrorBadRequest)?;
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    req.extensions_mut().insert(path);
    Ok(next.call(req).await?.map_into_left_body())
}
// ANCHOR_END: canonical_path_middleware

/// The 400 for a refused path, naming the rule it broke.
pub fn refused_path(refusal: PathRefusal) -> Problem {
    Problem::new(
        "invalid-path",
        "Invalid request path",
        StatusCode::BAD_REQUEST,
    )
    .with_detail(format!(
        "The request path is not acceptable ({}): {refusal}.",
        refusal.code()
    ))
}

/// `uri` with its path replaced by `path` and its query kept.
fn with_path(uri: &Uri, path: &CanonicalPath) -> Result<Uri, UriError> {
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query)?);
    Ok(Uri::from_parts(parts)?)
}

/// A canonical path is always a valid URI path; this exists to say so
/// without a panic if that ever stopped being true.
#[derive(Debug, thiserror::Error)]
enum UriError {
    #[error(transparent)]
    Path(#[from] actix_web::http::uri::InvalidUri),
    #[error(transparent)]
    Parts(#[from] InvalidUriParts),
}
