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
use crate::{accounts::Accounts, error::ApiError, events::EventOrigin};

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
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<ConfirmEmailChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .confirm_email_change(&origin, &request.token)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

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
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<UndoEmailChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .undo_email_change(&origin, &request.token, &request.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
