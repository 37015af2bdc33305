//! Edge authentication: protected routes need a valid access token before
//! anything reaches an upstream.
//!
//! The check is the same code the users service runs
//! (`capstone_platform::access_token::TokenVerifier`), with the keys from
//! [`jwks`]. What the gateway learns (user id and role) travels upstream in
//! the `x-capstone-user-*` headers, which [`crate::proxy::headers`] removes
//! from every client request first: only the gateway can set them.

pub mod jwks;

use std::sync::Arc;

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use capstone_contracts::AccessClaims;
use capstone_platform::access_token::TokenError;

pub use jwks::{Jwks, JwksError};

/// Why a request was not let through.
#[derive(Debug, thiserror::Error)]
pub enum EdgeAuthError {
    /// No token, or one that does not verify: 401.
    #[error("access token refused: {0}")]
    Refused(TokenError),
    #[error("no bearer token")]
    Missing,
    /// The keys cannot be had (users service down): 503.
    #[error(transparent)]
    KeysUnavailable(#[from] JwksError),
}

// ANCHOR: authenticate
/// The verified claims of the request's bearer token.
pub async fn authenticate(
    headers: &HeaderMap,
    jwks: &Arc<Jwks>,
    client: &reqwest::Client,
) -> Result<AccessClaims, EdgeAuthError> {
    let token = bearer_token(headers).ok_or(EdgeAuthError::Missing)?;
    let verifier = match jwks.current() {
        Some(verifier) => verifier,
        None => jwks.refresh(client).await?,
    };
    match verifier.verify(token) {
        // A key we have not seen: the users service may have rotated.
        // Fetch the set again (rate limited) and retry once.
        Err(TokenError::UnknownKeyId(_)) => {
            let verifier = jwks.refresh(client).await?;
            verifier.verify(token).map_err(EdgeAuthError::Refused)
        }
        outcome => outcome.map_err(EdgeAuthError::Refused),
    }
}
// ANCHOR_END: authenticate

/// `Authorization: Bearer <token>`, scheme case-insensitive.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
