//! The flows that continue in an email: verify the address, reset a
//! forgotten password. This service writes an event (in the outbox, with the
//! change); the worker sends the email with a signed link; the link's token
//! comes back here.
//!
//! ```text
//! POST /register ──► user.registered ──► worker ──► email with /verify-email?token=…
//! POST /verify-email {token} ──► email_verified_at set ──► user.updated
//! POST /forgot-password {email} ──► user.password_reset_requested ──► email
//! POST /reset-password {token, new_password} ──► new hash, sessions revoked
//! ```

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, extract::ValidatedJson};

use super::requests::{ForgotPasswordRequest, ResetPasswordRequest, VerifyEmailRequest};
use crate::{
    auth::{LinkPurpose, LinkTokens, PasswordHasher, link_tokens::password_fingerprint},
    cache::UserCache,
    domain::Password,
    error::ApiError,
    events::EventOrigin,
    repo::{RepoError, SessionRepository, UserRepository},
    routes::problem_responses::DatabaseUnavailable,
};

// ANCHOR: verify_email
/// Confirm an email address with the token from the verification email.
#[utoipa::path(
    post, path = "/api/v1/auth/verify-email", tag = "auth",
    request_body = VerifyEmailRequest,
    responses(
        (status = 204, description = "Verified (verifying again is fine)"),
        (status = 403, description = "Invalid, expired or foreign token, or the address changed since", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn verify_email(
    origin: EventOrigin,
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
    cache: web::Data<UserCache>,
    ValidatedJson(request): ValidatedJson<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let link = links
        .check(LinkPurpose::VerifyEmail, &request.token)
        .map_err(|_| ApiError::InvalidLink)?;
    users
        .mark_email_verified(link.user_id, &link.bound_to, |user| {
            origin.updated(&unverified(user), user, &[])
        })
        .await
        .map_err(link_or_repo_error)?;
    cache.invalidate(link.user_id).await;
    Ok(HttpResponse::NoContent().finish())
}
// ANCHOR_END: verify_email

// ANCHOR: forgot_password
/// Ask for a password-reset email.
#[utoipa::path(
    post, path = "/api/v1/auth/forgot-password", tag = "auth",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "If the address has an account, a reset email is on its way (the same answer either way)"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn forgot_password(
    origin: EventOrigin,
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
    floor: web::Data<UniformResponse>,
    ValidatedJson(request): ValidatedJson<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    // 202 whether or not the account exists: the answer must not tell
    // anyone which addresses are registered, and neither may its timing.
    if let Some((user, hash)) = users.find_with_password_hash(&request.email).await? {
        let reset = links
            .password_reset(user.id, hash.as_deref())
            .map_err(ApiError::internal)?;
        users
            .announce(&origin.reset_requested(&user, reset))
            .await?;
    }
    // Sealing and storing the link is a few ms an unknown address skips:
    // both answer at the floor, not when their work is done.
    floor.wait_from(started).await;
    Ok(HttpResponse::Accepted().finish())
}
// ANCHOR_END: forgot_password

// ANCHOR: uniform_response
/// `users.auth.uniform_response_ms`, as app data: the earliest moment the
/// routes that must not tell who has an account may answer.
#[derive(Debug, Clone, Copy)]
pub struct UniformResponse(pub Duration);

impl UniformResponse {
    /// Waits until the floor has passed since `started` (at once if the
    /// work took longer: then the difference is noise in a slow answer).
    pub async fn wait_from(&self, started: Instant) {
        tokio::time::sleep_until((started + self.0).into()).await;
    }
}
// ANCHOR_END: uniform_response

// ANCHOR: reset_password
/// Set a new password with the token from the reset email. Every session ends.
#[utoipa::path(
    post, path = "/api/v1/auth/reset-password", tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Password replaced; every session revoked"),
        (status = 403, description = "Invalid, expired or already used token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks the policy", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn reset_password(
    origin: EventOrigin,
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
    sessions: web::Data<SessionRepository>,
    passwords: web::Data<PasswordHasher>,
    cache: web::Data<UserCache>,
    ValidatedJson(request): ValidatedJson<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let link = links
        .check(LinkPurpose::ResetPassword, &request.token)
        .map_err(|_| ApiError::InvalidLink)?;
    let user = users.find(link.user_id).await.map_err(link_or_repo_error)?;
    let new_password = Password::parse(&request.new_password, user.email.as_str())
        .map_err(|e| ApiError::invalid_field("new_password", &e))?;
    // Hash before the transaction: argon2 takes tens of milliseconds, and
    // the row lock should not be held that long.
    let hash = passwords
        .hash(&new_password)
        .await
        .map_err(ApiError::internal)?;
    users
        .reset_password_hash(
            link.user_id,
            &link.bound_to,
            &hash,
            password_fingerprint,
            |stored| origin.updated(stored, stored, &["password"]),
        )
        .await
        .map_err(link_or_repo_error)?;
    cache.invalidate(link.user_id).await;
    sessions.revoke_all_for_user(link.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
// ANCHOR_END: reset_password

/// The user as they were before verification (for the `changed` list).
fn unverified(user: &crate::domain::User) -> crate::domain::User {
    crate::domain::User {
        email_verified_at: None,
        ..user.clone()
    }
}

/// A user or address that no longer matches the link is a dead link, not
/// a missing resource.
fn link_or_repo_error(error: RepoError) -> ApiError {
    match error {
        RepoError::NotFound => ApiError::InvalidLink,
        other => other.into(),
    }
}
