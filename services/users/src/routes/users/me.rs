//! `/api/v1/users/me`: the caller's own account.

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, extract::ValidatedJson};

use super::UserResponse;
use crate::routes::problem_responses::{DatabaseUnavailable, Unauthenticated};
use crate::{
    auth::{AccessTokenIssuer, AuthenticatedUser, LinkTokens, Reauthentication},
    cache::UserCache,
    domain::Password,
    error::ApiError,
    events::EventOrigin,
    repo::{SessionRepository, UserRepository},
    routes::auth::{ChangePasswordRequest, TokenResponse, start_session},
};

/// The caller's own account.
#[utoipa::path(
    get, path = "/api/v1/users/me", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserResponse),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "The account was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn get_me(
    caller: AuthenticatedUser,
    users: web::Data<UserRepository>,
    cache: web::Data<UserCache>,
) -> Result<HttpResponse, ApiError> {
    let user = cache
        .get_or_load(caller.id, || users.find_optional(caller.id))
        .await?
        .ok_or(ApiError::UserNotFound(caller.id))?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

// ANCHOR: change_password
/// Change the caller's password. Every other session ends; the response is a
/// fresh token pair for this one.
#[utoipa::path(
    patch, path = "/api/v1/users/me/password", tag = "users",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Changed; other sessions revoked", body = TokenResponse,
         headers(("Cache-Control" = String, description = "`no-store`: a token pair is never cached"))),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks the policy", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords for this account or address (see Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn change_password(
    caller: AuthenticatedUser,
    reauthentication: Reauthentication,
    users: web::Data<UserRepository>,
    cache: web::Data<UserCache>,
    sessions: web::Data<SessionRepository>,
    tokens: web::Data<AccessTokenIssuer>,
    ValidatedJson(request): ValidatedJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = reauthentication
        .current_user(caller.id, &request.current_password, "current_password")
        .await?;
    let new_password = Password::parse(&request.new_password, user.email.as_str())
        .map_err(|e| ApiError::invalid_field("new_password", &e))?;
    let hash = reauthentication
        .passwords()
        .hash(&new_password)
        .await
        .map_err(ApiError::internal)?;
    // The write bumps the auth version: every access token issued before,
    // this request's included, stops working.
    let user = users
        .set_password_hash(caller.id, &hash)
        .await
        .map_err(ApiError::from_repo(caller.id))?;
    // After the commit, like every invalidation: the cached copy carries the
    // old auth version, and another instance must not keep accepting it.
    cache.invalidate(caller.id).await;
    // Whoever else holds a session (perhaps whoever knew the old password) is out.
    sessions.revoke_all_for_user(caller.id).await?;
    Ok(start_session(&sessions, &tokens, &user)
        .await?
        .into_response())
}
// ANCHOR_END: change_password

// ANCHOR: verification_email
/// Ask for another verification email (the first one expired, or was lost).
#[utoipa::path(
    post, path = "/api/v1/users/me/verification-email", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A verification email with a fresh link is on its way"),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "The account was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is already verified", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn request_verification_email(
    caller: AuthenticatedUser,
    origin: EventOrigin,
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
) -> Result<HttpResponse, ApiError> {
    // Read from Postgres, not the cache: a user who has just verified in
    // another tab must get 409, not a second email.
    let user = users
        .find(caller.id)
        .await
        .map_err(ApiError::from_repo(caller.id))?;
    if user.email_verified_at.is_some() {
        return Err(ApiError::AlreadyVerified);
    }
    // 202: the outbox row is committed; the email follows through the worker.
    let verification = links
        .email_verification(user.id, user.email.as_str())
        .map_err(ApiError::internal)?;
    users
        .announce(&origin.verification_requested(&user, verification))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
// ANCHOR_END: verification_email
