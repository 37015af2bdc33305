//! `/api/v1/users/me`: the caller's own account.

use actix_web::{HttpResponse, web};
use capstone_platform::{Problem, extract::ValidatedJson};

use super::UserResponse;
use crate::routes::problem_responses::{DatabaseUnavailable, Unauthenticated};
use crate::{
    accounts::Accounts,
    auth::{AuthenticatedUser, Reauthentication},
    error::ApiError,
    events::EventOrigin,
    routes::auth::{ChangePasswordRequest, RefreshTransport, TokenResponse},
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
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts.cached_user(caller.id).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// Change the caller's password. Every other session ends; the response is a
/// fresh token pair for this one.
#[utoipa::path(
    patch, path = "/api/v1/users/me/password", tag = "users",
    params(("X-Refresh-Token-Transport" = Option<String>, Header,
            description = "`cookie`: the refresh token travels in an HttpOnly cookie instead of the body (browsers)")),
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
    transport: RefreshTransport,
    reauthentication: Reauthentication,
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = accounts
        .change_password(
            caller.id,
            &reauthentication,
            &request.current_password,
            &request.new_password,
        )
        .await?;
    Ok(transport.respond(pair))
}

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
    accounts: web::Data<Accounts>,
) -> Result<HttpResponse, ApiError> {
    // 202: the outbox row is committed; the email follows through the worker.
    accounts
        .request_verification_email(&origin, caller.id)
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
