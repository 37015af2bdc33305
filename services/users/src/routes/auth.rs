//! `/api/v1/auth`: register, log in, refresh, log out.
//!
//! Every route here takes a JSON body, so every one can also answer 400
//! (malformed), 413 (too large) and 415 (not JSON); the OpenAPI document
//! says so for each (`openapi.rs`: `SharedResponses`).
//!
//! | method | path | success | failures |
//! |---|---|---|---|
//! | POST | `/register` | 202 (always: enumeration-safe) | 400, 409, 413, 415, 422, 503 |
//! | POST | `/login` | 200 token pair | 400, 401, 403, 413, 415, 422, 429, 503 |
//! | POST | `/refresh` | 200 new token pair | 400, 401, 413, 415, 422, 503 |
//! | POST | `/logout` | 204 | 400, 413, 415, 422, 503 |
//! | POST | `/verify-email` | 204 | 400, 403, 413, 415, 422, 503 |
//! | POST | `/forgot-password` | 202 (always, at one floor) | 400, 409, 413, 415, 422, 503 |
//! | POST | `/reset-password` | 204 | 400, 403, 413, 415, 422, 503 |
//! | POST | `/confirm-email-change` | 204 | 400, 403, 409, 413, 415, 422, 503 |
//! | POST | `/undo-email-change` | 204 | 400, 403, 409, 413, 415, 422, 503 |
//!
//! `/register` and `/forgot-password` take an optional `Idempotency-Key`
//! (409 while the first request with the key runs, 422 if it came with
//! another request, 400 if malformed, 503 without Redis).

pub mod email_change;
pub mod email_links;
pub mod refresh_cookie;
mod requests;
mod responses;

pub use email_change::{confirm_email_change, undo_email_change};
pub use email_links::{forgot_password, reset_password, verify_email};
pub use refresh_cookie::{PresentedRefreshToken, RefreshTransport};
pub use requests::{
    ChangePasswordRequest, ConfirmEmailChangeRequest, ForgotPasswordRequest, LoginRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, UndoEmailChangeRequest,
    VerifyEmailRequest,
};
pub use responses::TokenResponse;

use actix_web::{HttpResponse, middleware::from_fn, web};
use capstone_platform::{Problem, client_address::ClientAddress, extract::ValidatedJson};
use secrecy::ExposeSecret;

use crate::routes::problem_responses::{
    DatabaseUnavailable, MalformedJson, NotJson, PayloadTooLarge,
};
use crate::{
    accounts::Accounts,
    domain::{DisplayName, Email, Password},
    error::ApiError,
    events::EventOrigin,
    idempotency::idempotent,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // One resource per path: another method is a 405 with `Allow`. The
    // POSTs that create an account or send an email take an
    // `Idempotency-Key` (`crate::idempotency`; the OpenAPI document lists
    // them in `openapi::IDEMPOTENT_OPERATIONS`).
    cfg.service(
        web::scope("/auth")
            .service(
                web::resource("/register")
                    .wrap(from_fn(idempotent))
                    .route(web::post().to(register)),
            )
            .service(web::resource("/login").route(web::post().to(login)))
            .service(web::resource("/refresh").route(web::post().to(refresh)))
            .service(web::resource("/logout").route(web::post().to(logout)))
            .service(web::resource("/verify-email").route(web::post().to(verify_email)))
            .service(
                web::resource("/forgot-password")
                    .wrap(from_fn(idempotent))
                    .route(web::post().to(forgot_password)),
            )
            .service(web::resource("/reset-password").route(web::post().to(reset_password)))
            .service(
                web::resource("/confirm-email-change").route(web::post().to(confirm_email_change)),
            )
            .service(web::resource("/undo-email-change").route(web::post().to(undo_email_change))),
    );
}

/// Create an account with a password. The answer is the same whether or not
/// the address already has an account; its owner is told by email instead.
#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Accepted: log in with the password; a verification email is on its way (if the address already had an account, its owner gets a notice instead and the password is ignored)"),
        (status = 400, response = inline(MalformedJson)),
        (status = 413, response = inline(PayloadTooLarge)),
        (status = 415, response = inline(NotJson)),
        (status = 422, description = "Invalid fields (password policy included)", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn register(
    origin: EventOrigin,
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&request.email).map_err(|e| ApiError::invalid_field("email", &e))?;
    let display_name = DisplayName::parse(&request.display_name)
        .map_err(|e| ApiError::invalid_field("display_name", &e))?;
    let password = Password::parse(request.password.expose_secret(), email.as_str())
        .map_err(|e| ApiError::invalid_field("password", &e))?;
    accounts
        .register(&origin, email, display_name, &password)
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

// ANCHOR: login_handler
/// Exchange email and password for a token pair.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    params(("X-Refresh-Token-Transport" = Option<String>, Header,
            description = "`cookie`: the refresh token travels in an HttpOnly cookie instead of the body (browsers)")),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse,
         headers(("Cache-Control" = String, description = "`no-store`: a token pair is never cached"))),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Right password, but an admin suspended the account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or oversized fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this account or address (see Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn login(
    client: ClientAddress,
    transport: RefreshTransport,
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    // The peer, or behind the gateway the address it forwards: never a
    // client-sent X-Forwarded-For (see platform::client_address).
    let pair = accounts
        .login(&request.email, &request.password, client.0)
        .await?;
    Ok(transport.respond(pair))
}
// ANCHOR_END: login_handler

/// Exchange a refresh token for a new pair (the old one stops working).
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
    params(("X-Refresh-Token-Transport" = Option<String>, Header,
            description = "`cookie`: when the body has no `refresh_token`, the one in the `capstone_refresh` cookie is used (browsers send `{}`)")),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse,
         headers(("Cache-Control" = String, description = "`no-store`: a token pair is never cached"))),
        (status = 401, description = "Unknown, expired, revoked or reused token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn refresh(
    accounts: web::Data<Accounts>,
    presented: PresentedRefreshToken,
) -> Result<HttpResponse, ApiError> {
    let token = presented.token.ok_or(ApiError::InvalidRefreshToken)?;
    let pair = accounts.refresh(&token).await?;
    Ok(presented.transport.respond(pair))
}

/// End the session a refresh token belongs to.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    params(("X-Refresh-Token-Transport" = Option<String>, Header,
            description = "`cookie`: when the body has no `refresh_token`, the one in the `capstone_refresh` cookie is used (browsers send `{}`)")),
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out (also for unknown tokens: logging out twice is fine)"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn logout(
    accounts: web::Data<Accounts>,
    presented: PresentedRefreshToken,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &presented.token {
        accounts.logout(token).await?;
    }
    Ok(presented.transport.logged_out())
}
