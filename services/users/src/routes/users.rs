//! `/api/v1/users`: create, read, list, update and delete accounts.
//!
//! Every route needs an access token (401 without one). Who may do what:
//!
//! | method | path | who | success | failures |
//! |---|---|---|---|---|
//! | POST | `/api/v1/users` | admin | 201 + `Location` | 400, 401, 403, 409, 413, 415, 422, 503 |
//! | GET | `/api/v1/users` | admin | 200 page | 401, 403, 422, 503 |
//! | GET | `/api/v1/users/me` | anyone | 200 | 401, 404, 503 |
//! | PATCH | `/api/v1/users/me/password` | anyone | 200 token pair | 400, 401, 403, 413, 415, 422, 429, 503 |
//! | POST | `/api/v1/users/me/email` | anyone (with the password) | 202 | 400, 401, 403, 409, 413, 415, 422, 429, 503 |
//! | POST | `/api/v1/users/me/verification-email` | anyone | 202 | 400, 401, 404, 409, 413, 422, 503 |
//! | GET | `/api/v1/users/{id}` | self or admin | 200 | 401, 403, 404, 503 |
//! | PATCH | `/api/v1/users/{id}` | self or admin (`role`, `disabled`: admin, not on oneself; `email`: admin, not on oneself) | 200 | 400, 401, 403, 404, 409, 413, 415, 422, 503 |
//! | DELETE | `/api/v1/users/{id}` | self or admin | 204 | 401, 403, 404, 409, 503 |
//!
//! The three POSTs take an optional `Idempotency-Key` (`crate::idempotency`):
//! a retry with the key gets the first answer instead of a second user or
//! email; 409 while the first runs, 422 for a key reused with another
//! request, 400 for a malformed one, 503 without Redis.

pub mod email_change;
pub mod me;
mod requests;
mod responses;

pub use email_change::request_email_change;
pub use me::{change_password, get_me, request_verification_email};
pub use requests::{ChangeEmailRequest, CreateUserRequest, ListUsersQuery, UpdateUserRequest};
pub use responses::{UserPage, UserResponse};

use actix_web::{HttpResponse, http::header, middleware::from_fn, web};
use capstone_platform::{
    Problem,
    extract::{ValidatedJson, ValidatedQuery},
};
use uuid::Uuid;

use crate::routes::problem_responses::{
    DatabaseUnavailable, MalformedJson, NotAdmin, NotJson, NotYoursNotAdmin, PayloadTooLarge,
    Unauthenticated,
};
use crate::{
    accounts::Accounts,
    auth::{Admin, AuthenticatedUser, RequireRole, authenticate},
    domain::{NewUser, UserChanges, UserListing},
    error::ApiError,
    events::EventOrigin,
    idempotency::idempotent,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Every route here needs a caller: the middleware proves one first.
    // `/me…` before `/{id}`: resources match in registration order, and
    // "me" would otherwise be tried as an id. One resource per path, so a
    // method it does not have is a 405 with `Allow`, not a 404.
    cfg.service(
        web::scope("/users")
            .wrap(from_fn(authenticate))
            .service(web::resource("/me").route(web::get().to(get_me)))
            .service(web::resource("/me/password").route(web::patch().to(change_password)))
            .service(
                web::resource("/me/email")
                    .wrap(from_fn(idempotent))
                    .route(web::post().to(request_email_change)),
            )
            .service(
                web::resource("/me/verification-email")
                    .wrap(from_fn(idempotent))
                    .route(web::post().to(request_verification_email)),
            )
            .service(
                web::resource("")
                    // Inside `authenticate` (the scope's): keys are scoped
                    // by the caller it proved. GET ignores the header.
                    .wrap(from_fn(idempotent))
                    .route(web::post().to(create_user))
                    .route(web::get().to(list_users)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get_user))
                    .route(web::patch().to(update_user))
                    .route(web::delete().to(delete_user)),
            ),
    );
}

// ANCHOR: create_user
/// Create a user.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(NotAdmin)),
        (status = 201, description = "Created", body = UserResponse,
         headers(("Location" = String, description = "URL of the new user"))),
        (status = 400, response = inline(MalformedJson)),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = inline(PayloadTooLarge)),
        (status = 415, response = inline(NotJson)),
        (status = 422, description = "Invalid or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn create_user(
    admin: RequireRole<Admin>,
    origin: EventOrigin,
    accounts: web::Data<Accounts>,
    ValidatedJson(request): ValidatedJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let new_user = NewUser::try_from(request)?;
    let user = accounts.create_user(origin, admin.0.id, new_user).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)))
        .json(UserResponse::from(user)))
}
// ANCHOR_END: create_user

/// Get a user by id.
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(NotYoursNotAdmin)),
        (status = 200, description = "The user", body = UserResponse),
        (status = 404, description = "No such user (or the id is not a UUID)", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn get_user(
    caller: AuthenticatedUser,
    accounts: web::Data<Accounts>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts.get_user(&caller, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// List users, newest first, one page at a time.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    params(ListUsersQuery),
    responses(
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(NotAdmin)),
        (status = 200, description = "A page of users", body = UserPage),
        (status = 422, description = "Unknown parameter, wrong type, invalid filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn list_users(
    admin: RequireRole<Admin>,
    accounts: web::Data<Accounts>,
    ValidatedQuery(query): ValidatedQuery<ListUsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = UserListing::try_from(query)?;
    let page = accounts.list_users(&admin.0, &listing).await?;
    Ok(HttpResponse::Ok().json(UserPage {
        items: page.users.into_iter().map(UserResponse::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Change some of a user's fields.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body(content = UpdateUserRequest, content_type = "application/merge-patch+json",
                 description = "Fields to change; `application/json` is accepted too"),
    responses(
        (status = 200, description = "The updated user", body = UserResponse),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "Another user's account, a role change or a suspension, and not an admin; an admin's own role or suspension; or one's own email address (which needs POST /api/v1/users/me/email)", body = Problem, content_type = "application/problem+json"),
        (status = 400, response = inline(MalformedJson)),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email already registered, or the change would leave no active admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, response = inline(PayloadTooLarge)),
        (status = 415, response = inline(NotJson)),
        (status = 422, description = "Invalid, unknown or no fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
// ANCHOR: update_user
pub async fn update_user(
    caller: AuthenticatedUser,
    origin: EventOrigin,
    accounts: web::Data<Accounts>,
    id: web::Path<Uuid>,
    ValidatedJson(request): ValidatedJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let changes = UserChanges::try_from(request)?;
    let user = accounts
        .update_user(origin, &caller, id.into_inner(), changes)
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}
// ANCHOR_END: update_user

/// Delete a user.
#[utoipa::path(
    delete, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(NotYoursNotAdmin)),
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The only active admin cannot be deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, response = inline(DatabaseUnavailable)),
    )
)]
pub async fn delete_user(
    caller: AuthenticatedUser,
    origin: EventOrigin,
    accounts: web::Data<Accounts>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    accounts
        .delete_user(origin, &caller, id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
