//! The two links of a change of address, each opened from a mailbox:
//!
//! ```text
//! POST /users/me/email {new_email, current_password} ──► user.email_change_requested ──► link to the NEW address
//! POST /auth/confirm-email-change {token} ──► address moved, verified ──► user.email_changed ──► notice + undo link to the OLD address
//! POST /auth/undo-email-change {token, new_password} ──► address back, new password, every session and token ends
//! ```
//!
//! The undo sets a new password on the way because whoever made the change
//! knew the old one; without that, they could simply start again.

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, extract::ValidatedJson};

use super::requests::{ConfirmEmailChangeRequest, UndoEmailChangeRequest};
use crate::routes::problem_responses::DatabaseUnavailable;
use crate::{
    auth::{LinkPurpose, LinkTokens, PasswordHasher},
    cache::UserCache,
    domain::{Email, Password},
    error::ApiError,
    events::EventOrigin,
    repo::{RepoError, SessionRepository, UserRepository},
};

// ANCHOR: confirm_email_change
/// Move the account to the new address, with the token from the link sent
/// there. The old address is told, with a way to undo it.
#[utoipa::path(
    post, path = "/api/v1/auth/confirm-email-change", tag = "auth",
    request_body = ConfirmEmailChangeRequest,
    responses(
        (status = 204, description = "The account now uses the new address (verified)"),
        (status = 403, description = "Invalid, expired or already used link, or the account's address changed since", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another account has this address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or oversized field", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn confirm_email_change(
    origin: EventOrigin,
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
    cache: web::Data<UserCache>,
    ValidatedJson(request): ValidatedJson<ConfirmEmailChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let link = links
        .check(LinkPurpose::ConfirmEmailChange, &request.token)
        .map_err(|_| ApiError::InvalidLink)?;
    let from = link.from.as_deref().ok_or(ApiError::InvalidLink)?;
    let to = Email::parse(&link.bound_to).map_err(|_| ApiError::InvalidLink)?;
    // Sealed before the transaction (sealing can fail; the row lock should
    // not wait on it): the undo link binds the two addresses, both known.
    let undo = links
        .email_change_undo(link.user_id, to.as_str(), from)
        .map_err(ApiError::internal)?;
    users
        .confirm_email_change(link.user_id, from, &to, |before, after| {
            vec![
                origin.updated(before, after, &[]),
                origin.email_changed(before, after, undo),
            ]
        })
        .await
        .map_err(dead_link_or)?;
    cache.invalidate(link.user_id).await;
    Ok(HttpResponse::NoContent().finish())
}
// ANCHOR_END: confirm_email_change

/// Undo a change of address with the token sent to the old one, and choose
/// a new password. Every session and access token of the account ends.
#[utoipa::path(
    post, path = "/api/v1/auth/undo-email-change", tag = "auth",
    request_body = UndoEmailChangeRequest,
    responses(
        (status = 204, description = "The old address is back, the password replaced, every session revoked"),
        (status = 403, description = "Invalid, expired or already used link, or the address changed again since", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another account took the old address meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks the policy, or a field is missing or oversized", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn undo_email_change(
    origin: EventOrigin,
    links: web::Data<LinkTokens>,
    users: web::Data<UserRepository>,
    sessions: web::Data<SessionRepository>,
    passwords: web::Data<PasswordHasher>,
    cache: web::Data<UserCache>,
    ValidatedJson(request): ValidatedJson<UndoEmailChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let link = links
        .check(LinkPurpose::UndoEmailChange, &request.token)
        .map_err(|_| ApiError::InvalidLink)?;
    let current = link.from.as_deref().ok_or(ApiError::InvalidLink)?;
    let previous = Email::parse(&link.bound_to).map_err(|_| ApiError::InvalidLink)?;
    let new_password = Password::parse(&request.new_password, previous.as_str())
        .map_err(|e| ApiError::invalid_field("new_password", &e))?;
    // Hash before the transaction: argon2 takes tens of milliseconds.
    let hash = passwords
        .hash(&new_password)
        .await
        .map_err(ApiError::internal)?;
    users
        .undo_email_change(link.user_id, current, &previous, &hash, |before, after| {
            vec![origin.updated(before, after, &["password"])]
        })
        .await
        .map_err(dead_link_or)?;
    cache.invalidate(link.user_id).await;
    sessions.revoke_all_for_user(link.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An account that no longer has the address a link was issued for makes
/// it a dead link, not a missing resource.
fn dead_link_or(error: RepoError) -> ApiError {
    match error {
        RepoError::NotFound => ApiError::InvalidLink,
        other => other.into(),
    }
}
