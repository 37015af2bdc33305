//! What clients send to `/api/v1/users`, and the checks each field passes.
//!
//! The rules themselves live in the domain types (`Email::parse`…); the
//! `validator` derive runs them on every field at once, so a client learns
//! about all invalid fields in one 422 rather than one per round trip.
//! `deny_unknown_fields` turns a misspelt field into a 422 instead of a
//! silently ignored value.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::{
    domain::{
        DEFAULT_PAGE_SIZE, DisplayName, Email, MAX_PAGE_SIZE, NewUser, PageCursor, Role,
        UserChanges, UserFilter, UserListing,
    },
    error::ApiError,
    routes::fields::{SecretField, check_display_name, check_email, check_printable, present},
};

// ANCHOR: create_user_request
/// A new account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "display_name": "Ada Lovelace"}))]
pub struct CreateUserRequest {
    /// Unique, ignoring case. Surrounding spaces are trimmed.
    #[validate(custom(function = "check_email"))]
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
    /// Shown to other users: 1–64 characters, no control characters, not blank.
    #[validate(custom(function = "check_display_name"))]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub display_name: String,
    /// Defaults to `user`.
    #[serde(default)]
    pub role: Option<Role>,
}
// ANCHOR_END: create_user_request

/// A partial update: send only the fields to change (at least one). A field
/// sent as `null` is refused: none of them can be removed.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "check_not_empty"))]
#[schema(min_properties = 1, example = json!({"display_name": "Ada King"}))]
pub struct UpdateUserRequest {
    /// Admins, on other accounts only (a user changes their own address
    /// with `POST /api/v1/users/me/email`). A different address resets
    /// `email_verified_at`; the old address is told, with a link to undo.
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "check_email"))]
    #[schema(value_type = String, format = "email", min_length = 3, max_length = 254, nullable = false)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[validate(custom(function = "check_display_name"))]
    #[schema(value_type = String, min_length = 1, max_length = 64, nullable = false, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub display_name: Option<String>,
    /// Admins only, on other accounts.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Role, nullable = false)]
    pub role: Option<Role>,
    /// Admins only, on other accounts: `true` suspends the account (no
    /// login, its tokens and sessions end), `false` reactivates it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool, nullable = false)]
    pub disabled: Option<bool>,
}

/// A new address for the caller's account, and the current password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_email": "ada@new.example", "current_password": "correct horse battery"}))]
pub struct ChangeEmailRequest {
    #[validate(custom(function = "check_email"))]
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub new_email: String,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 1024)]
    pub current_password: SecretField,
}

/// Filters and paging for listing users (newest first).
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Page size, 1–100 (default 20).
    #[validate(range(min = 1, max = MAX_PAGE_SIZE, message = "must be between 1 and 100"))]
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    #[param(
        pattern = "^v1\\.[0-9]{1,16}\\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub cursor: Option<String>,
    /// Only emails starting with this text (case-insensitive).
    #[validate(
        length(min = 1, max = 254, message = "must be 1 to 254 characters long"),
        custom(function = "check_printable")
    )]
    #[param(
        example = "ada",
        min_length = 1,
        max_length = 254,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub email_prefix: Option<String>,
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only users created at or after this instant (RFC 3339, e.g. `2026-01-01T00:00:00Z`).
    pub created_after: Option<DateTime<Utc>>,
    /// Only users created before this instant (RFC 3339). A range that
    /// holds no instant (before ≤ after) is an empty page.
    pub created_before: Option<DateTime<Utc>>,
}

fn check_not_empty(request: &UpdateUserRequest) -> Result<(), ValidationError> {
    if request.email.is_none()
        && request.display_name.is_none()
        && request.role.is_none()
        && request.disabled.is_none()
    {
        // `minProperties: 1` in the document; `{}` is what reaches here.
        return Err(ValidationError::new("empty")
            .with_message("send at least one of email, display_name, role, disabled".into()));
    }
    Ok(())
}

// The conversions below parse again what `validate()` already checked: the
// checks report every field, the parse produces the types. Both call the same
// domain function, so they cannot disagree.

impl TryFrom<CreateUserRequest> for NewUser {
    type Error = ApiError;

    fn try_from(request: CreateUserRequest) -> Result<Self, Self::Error> {
        Ok(NewUser::new(
            Email::parse(&request.email).map_err(|e| ApiError::invalid_field("email", &e))?,
            DisplayName::parse(&request.display_name)
                .map_err(|e| ApiError::invalid_field("display_name", &e))?,
            request.role.unwrap_or_default(),
        ))
    }
}

impl TryFrom<UpdateUserRequest> for UserChanges {
    type Error = ApiError;

    fn try_from(request: UpdateUserRequest) -> Result<Self, Self::Error> {
        Ok(UserChanges {
            email: request
                .email
                .map(|email| Email::parse(&email))
                .transpose()
                .map_err(|e| ApiError::invalid_field("email", &e))?,
            display_name: request
                .display_name
                .map(|name| DisplayName::parse(&name))
                .transpose()
                .map_err(|e| ApiError::invalid_field("display_name", &e))?,
            role: request.role,
            disabled: request.disabled,
        })
    }
}

impl TryFrom<ListUsersQuery> for UserListing {
    type Error = ApiError;

    fn try_from(query: ListUsersQuery) -> Result<Self, Self::Error> {
        let filter = UserFilter {
            email_prefix: query.email_prefix,
            role: query.role,
            created_after: query.created_after,
            created_before: query.created_before,
        };
        let after = query
            .cursor
            .as_deref()
            .map(PageCursor::decode)
            .transpose()
            .map_err(|e| ApiError::invalid_field("cursor", &e))?;
        Ok(UserListing {
            filter,
            page_size: query.limit.unwrap_or(DEFAULT_PAGE_SIZE),
            after,
        })
    }
}
