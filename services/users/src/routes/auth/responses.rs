//! What `/api/v1/auth` sends back.

use actix_web::{HttpResponse, HttpResponseBuilder, http::header};
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::TokenPair;

/// A token pair (OAuth 2.0 token response shape, RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYtMTEifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "q3V7m1bq9l3Xo1wq8Qx2eS4b7m0n6p5r3t1v9x7z5c3"
}))]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: exchange it at `/api/v1/auth/refresh` for a new pair.
    /// Absent when the client asked for it in a cookie
    /// (`X-Refresh-Token-Transport: cookie`, for browsers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl TokenResponse {
    // ANCHOR: no_store
    /// `200 OK` with the pair, marked for no cache to keep: a browser,
    /// proxy or CDN that stored this response would hold live credentials
    /// on disk (RFC 6749 §5.1 asks for exactly these two headers).
    pub fn into_response(self) -> HttpResponse {
        Self::uncached().json(self)
    }
    // ANCHOR_END: no_store

    /// `200 OK` with the no-cache headers, for a body to follow.
    pub(super) fn uncached() -> HttpResponseBuilder {
        let mut response = HttpResponse::Ok();
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        response
    }

    /// The pair for a freshly issued access token and refresh token.
    pub fn bearer(access_token: String, expires_in: i64, refresh_token: &str) -> Self {
        Self {
            access_token,
            token_type: "Bearer",
            expires_in,
            refresh_token: Some(refresh_token.to_owned()),
        }
    }
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self::bearer(
            pair.access_token,
            pair.expires_in,
            pair.refresh_token.expose_secret(),
        )
    }
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"[REDACTED]")
            .finish()
    }
}
