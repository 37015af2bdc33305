//! `/api/v1/auth`: register, log in, refresh, log out.
//!
//! Every route here takes a JSON body, so every one can also answer 400
//! (malformed), 413 (too large) and 415 (not JSON); the OpenAPI document
//! says so for each (`openapi.rs`: `SharedResponses`).
//!
//! | method | path | success | failures |
//! |---|---|---|---|
//! | POST | `/register` | 202 (always: enumeration-safe) | 400, 413, 415, 422, 503 |
//! | POST | `/login` | 200 token pair | 400, 401, 403, 413, 415, 422, 429, 503 |
//! | POST | `/refresh` | 200 new token pair | 400, 401, 413, 415, 422, 503 |
//! | POST | `/logout` | 204 | 400, 413, 415, 422, 503 |
//! | POST | `/verify-email` | 204 | 400, 403, 413, 415, 422, 503 |
//! | POST | `/forgot-password` | 202 (always, at one floor) | 400, 413, 415, 422, 503 |
//! | POST | `/reset-password` | 204 | 400, 403, 413, 415, 422, 503 |
//! | POST | `/confirm-email-change` | 204 | 400, 403, 409, 413, 415, 422, 503 |
//! | POST | `/undo-email-change` | 204 | 400, 403, 409, 413, 415, 422, 503 |

pub mod email_change;
pub mod email_links;
mod requests;
mod responses;

pub use email_change::{confirm_email_change, undo_email_change};
pub use email_links::{UniformResponse, forgot_password, reset_password, verify_email};
pub use requests::{
    ChangePasswordRequest, ConfirmEmailChangeRequest, ForgotPasswordRequest, LoginRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, UndoEmailChangeRequest,
    VerifyEmailRequest,
};
pub use responses::TokenResponse;

use std::time::Instant;

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, client_address::ClientAddress, extract::ValidatedJson};

use crate::routes::problem_responses::{
    DatabaseUnavailable, MalformedJson, NotJson, PayloadTooLarge,
};
use crate::{
    auth::{
        AccessTokenIssuer, LinkTokens, LoginThrottle, NewRefreshToken, PasswordHasher,
        hash_refresh_token,
    },
    domain::{DisplayName, Email, NewUser, Password, Role, User},
    error::ApiError,
    events::EventOrigin,
    repo::{RepoError, Rotation, SessionRepository, UserRepository},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // One resource per path: another method is a 405 with `Allow`.
    cfg.service(
        web::scope("/auth")
            .service(web::resource("/register").route(web::post().to(register)))
            .service(web::resource("/login").route(web::post().to(login)))
            .service(web::resource("/refresh").route(web::post().to(refresh)))
            .service(web::resource("/logout").route(web::post().to(logout)))
            .service(web::resource("/verify-email").route(web::post().to(verify_email)))
            .service(web::resource("/forgot-password").route(web::post().to(forgot_password)))
            .service(web::resource("/reset-password").route(web::post().to(reset_password)))
            .service(
                web::resource("/confirm-email-change").route(web::post().to(confirm_email_change)),
            )
            .service(web::resource("/undo-email-change").route(web::post().to(undo_email_change))),
    );
}

// ANCHOR: register
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
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
    passwords: web::Data<PasswordHasher>,
    floor: web::Data<UniformResponse>,
    ValidatedJson(request): ValidatedJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let email = Email::parse(&request.email).map_err(|e| ApiError::invalid_field("email", &e))?;
    let display_name = DisplayName::parse(&request.display_name)
        .map_err(|e| ApiError::invalid_field("display_name", &e))?;
    let password = Password::parse(&request.password, email.as_str())
        .map_err(|e| ApiError::invalid_field("password", &e))?;
    // The same work on both paths, taken address or not: one argon2 hash
    // (the bulk of the time), then one transaction that writes an event.
    let hash = passwords
        .hash(&password)
        .await
        .map_err(ApiError::internal)?;
    // Self-registration always makes a plain user; admins are made by admins.
    let new_user = NewUser::new(email, display_name, Role::User);
    let verification = links
        .email_verification(new_user.id, new_user.email.as_str())
        .map_err(ApiError::internal)?;
    // The user and the `user.registered` event (which carries the sealed
    // verification link) commit together: see repo::outbox.
    let inserted = users
        .insert(&new_user, Some(&hash), |user| {
            origin.registered(user, verification)
        })
        .await;
    match inserted {
        Ok(_) => {}
        Err(RepoError::EmailTaken) => {
            // Not the caller's business: the owner hears of it by email.
            if let Some((owner, _)) = users
                .find_with_password_hash(new_user.email.as_str())
                .await?
            {
                users
                    .announce(&origin.registration_attempted(&owner))
                    .await?;
            }
        }
        Err(other) => return Err(other.into()),
    }
    // A taken address costs one more query than a new one: both answer
    // at the floor (see `uniform_response_ms`).
    floor.wait_from(started).await;
    Ok(HttpResponse::Accepted().finish())
}
// ANCHOR_END: register

// ANCHOR: login
/// Exchange email and password for a token pair.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
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
    users: web::Data<UserRepository>,
    sessions: web::Data<SessionRepository>,
    tokens: web::Data<AccessTokenIssuer>,
    passwords: web::Data<PasswordHasher>,
    throttle: web::Data<LoginThrottle>,
    ValidatedJson(request): ValidatedJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    // The peer, or behind the gateway the address it forwards: never a
    // client-sent X-Forwarded-For (see platform::client_address).
    if let Some(retry_after_secs) = throttle.count_attempt(&request.email, client.0).await {
        return Err(ApiError::TooManyLoginAttempts { retry_after_secs });
    }
    let found = users.find_with_password_hash(&request.email).await?;
    let (user, stored_hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    // Unknown email, no password or wrong password: the same work (a full
    // argon2 verification) and the same answer, so neither the response nor
    // its timing says which accounts exist.
    let verified = passwords
        .verify(&request.password, stored_hash.as_deref())
        .await;
    let user = user
        .filter(|_| verified)
        .ok_or(ApiError::InvalidCredentials)?;
    throttle.succeeded(&request.email, client.0).await;
    // Said only to whoever knows the password: nobody else learns anything.
    if user.is_disabled() {
        return Err(ApiError::AccountDisabled);
    }
    Ok(start_session(&sessions, &tokens, &user)
        .await?
        .into_response())
}
// ANCHOR_END: login

// ANCHOR: refresh
/// Exchange a refresh token for a new pair (the old one stops working).
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
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
    sessions: web::Data<SessionRepository>,
    tokens: web::Data<AccessTokenIssuer>,
    ValidatedJson(request): ValidatedJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let successor = NewRefreshToken::generate().map_err(ApiError::internal)?;
    let presented = hash_refresh_token(&request.refresh_token);
    let user = match sessions.rotate(&presented, &successor.hash).await? {
        Rotation::Rotated { user } => user,
        Rotation::ReuseDetected { user_id, family_id } => {
            tracing::warn!(%user_id, %family_id, "refresh token reused: session revoked");
            return Err(ApiError::InvalidRefreshToken);
        }
        Rotation::Rejected => return Err(ApiError::InvalidRefreshToken),
    };
    let access = tokens.issue(&user).map_err(ApiError::internal)?;
    Ok(
        TokenResponse::bearer(access.token, tokens.lifetime_secs(), successor.expose())
            .into_response(),
    )
}
// ANCHOR_END: refresh

/// End the session a refresh token belongs to.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out (also for unknown tokens: logging out twice is fine)"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn logout(
    sessions: web::Data<SessionRepository>,
    ValidatedJson(request): ValidatedJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    sessions
        .revoke_family_of(&hash_refresh_token(&request.refresh_token))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new session for `user`: a refresh token stored (hashed) and an access token.
pub async fn start_session(
    sessions: &SessionRepository,
    tokens: &AccessTokenIssuer,
    user: &User,
) -> Result<TokenResponse, ApiError> {
    let refresh = NewRefreshToken::generate().map_err(ApiError::internal)?;
    sessions.start(user.id, &refresh.hash).await?;
    let access = tokens.issue(user).map_err(ApiError::internal)?;
    Ok(TokenResponse::bearer(
        access.token,
        tokens.lifetime_secs(),
        refresh.expose(),
    ))
}
