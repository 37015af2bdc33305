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
//!
//! The use cases are in `accounts::email_verification` and `accounts::passwords`.

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, extract::ValidatedJson};

use super::requests::{ForgotPasswordRequest, ResetPasswordRequest, VerifyEmailRequest};
use crate::{
    accounts::Accounts, error::ApiError, events::EventOrigin,
    routes::problem_responses::DatabaseUnavailable,
};

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
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts.verify_email(&origin, &request.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

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
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts.forgot_password(&origin, &request.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

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
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .reset_password(&origin, &request.token, &request.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
