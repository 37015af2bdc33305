//! `/.well-known/jwks.json`: the public keys that verify this service's
//! access tokens (RFC 7517). Gateways and other services fetch it, cache it,
//! and fetch again when a token names a `kid` they do not know yet.

use actix_web::{HttpResponse, http::header, web};

use crate::accounts::Accounts;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/.well-known/jwks.json").route(web::get().to(jwks)));
}

/// The JSON Web Key Set of the token-signing keys.
#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "Public signing keys (JWKS)", content_type = "application/json",
               body = Object, example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "use": "sig",
               "alg": "EdDSA", "kid": "2026-11", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})))
)]
pub async fn jwks(accounts: web::Data<Accounts>) -> HttpResponse {
    HttpResponse::Ok()
        // Keys change rarely; five minutes of caching bounds how long a
        // removed key keeps verifying somewhere else.
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(accounts.token_issuer().jwks())
}
