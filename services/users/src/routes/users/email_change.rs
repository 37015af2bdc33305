//! `POST /api/v1/users/me/email`: ask to move the account to a new address.
//!
//! An access token alone cannot change where password resets go: that
//! would turn a stolen 15-minute token into the account for good. So the
//! request needs the current password, and nothing changes until a link
//! sent to the new address confirms it (`/auth/confirm-email-change`). The
//! old address is then told, with a link that undoes the change
//! (`/auth/undo-email-change`). Admins changing another user's address use
//! `PATCH /api/v1/users/{id}`, which takes effect at once and is audited.

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, extract::ValidatedJson};

use super::requests::ChangeEmailRequest;
use crate::routes::problem_responses::{
    DatabaseUnavailable, MalformedJson, NotJson, PayloadTooLarge, Unauthenticated,
};
use crate::{
    accounts::Accounts,
    auth::{AuthenticatedUser, Reauthentication},
    error::ApiError,
    events::EventOrigin,
};

/// Ask to change the caller's email address: a confirmation link goes to the
/// new address. Needs the current password.
#[utoipa::path(
    post, path = "/api/v1/users/me/email", tag = "users",
    security(("bearer" = [])),
    request_body = ChangeEmailRequest,
    responses(
        (status = 202, description = "A confirmation link is on its way to the new address; nothing changes until it is opened"),
        (status = 400, response = inline(MalformedJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 413, response = inline(PayloadTooLarge)),
        (status = 415, response = inline(NotJson)),
        (status = 403, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid address, or the address the account already has", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords for this account or address (see Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn request_email_change(
    caller: AuthenticatedUser,
    reauthentication: Reauthentication,
    origin: EventOrigin,
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<ChangeEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .request_email_change(
            origin,
            caller.id,
            &reauthentication,
            &request.current_password,
            &request.new_email,
        )
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
