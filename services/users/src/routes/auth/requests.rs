//! What clients send to `/api/v1/auth`. Bounds on every field: even a login
//! password has a maximum, so nobody can make us hash a megabyte.
//!
//! Passwords and tokens are `SecretField`s (a `secrecy::SecretString` that
//! `validator` can check, see `routes::fields`): their `Debug` prints
//! `[REDACTED]`, so a derived `Debug` on a request cannot leak them, and
//! reading one takes an explicit `expose_secret()`. The document still says
//! `string` (`value_type = String`), with the same bounds.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::routes::fields::{SecretField, check_display_name, check_email, check_printable};

/// A new account that can log in.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery", "display_name": "Ada Lovelace"}))]
pub struct RegisterRequest {
    #[validate(custom(function = "check_email"))]
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
    /// 8–128 characters; not the email address.
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub password: SecretField,
    /// 1–64 characters, no control characters, not blank.
    #[validate(custom(function = "check_display_name"))]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub display_name: String,
}

/// Email and password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery"}))]
pub struct LoginRequest {
    /// Any text (an unknown address is a 401, like a wrong password), but
    /// no control characters.
    #[validate(
        length(min = 1, max = 254, message = "must be 1 to 254 characters long"),
        custom(function = "check_printable")
    )]
    #[schema(
        min_length = 1,
        max_length = 254,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub email: String,
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 1024)]
    pub password: SecretField,
}

/// A refresh token from `/login` or a previous `/refresh`: in the body, or
/// (browsers, with `X-Refresh-Token-Transport: cookie`) in the cookie, and
/// the body is then `{}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Leave it out when the cookie carries it.
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters long"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 256)]
    pub refresh_token: Option<SecretField>,
}

/// The current password and the new one.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 1024)]
    pub current_password: SecretField,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub new_password: SecretField,
}

/// The token from a verification email's link.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    #[validate(length(min = 1, max = 2048, message = "must be 1 to 2048 characters long"))]
    #[schema(value_type = String, min_length = 1, max_length = 2048)]
    pub token: SecretField,
}

/// The address of the account whose password was forgotten.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com"}))]
pub struct ForgotPasswordRequest {
    /// Any text (the answer is the same for unknown addresses), but no
    /// control characters.
    #[validate(
        length(min = 1, max = 254, message = "must be 1 to 254 characters long"),
        custom(function = "check_printable")
    )]
    #[schema(
        min_length = 1,
        max_length = 254,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub email: String,
}

/// The token from a reset email's link, and the new password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    #[validate(length(min = 1, max = 2048, message = "must be 1 to 2048 characters long"))]
    #[schema(value_type = String, min_length = 1, max_length = 2048)]
    pub token: SecretField,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub new_password: SecretField,
}

/// The token from the link sent to the new address.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmEmailChangeRequest {
    #[validate(length(min = 1, max = 2048, message = "must be 1 to 2048 characters long"))]
    #[schema(value_type = String, min_length = 1, max_length = 2048)]
    pub token: SecretField,
}

/// The token from the notice sent to the old address, and a new password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UndoEmailChangeRequest {
    #[validate(length(min = 1, max = 2048, message = "must be 1 to 2048 characters long"))]
    #[schema(value_type = String, min_length = 1, max_length = 2048)]
    pub token: SecretField,
    #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters long"))]
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub new_password: SecretField,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_secrets() {
        let login = LoginRequest {
            email: "ada@example.com".into(),
            password: "hunter2-secret".into(),
        };
        let change = ChangePasswordRequest {
            current_password: "hunter2-secret".into(),
            new_password: "hunter3-secret".into(),
        };
        let refresh = RefreshRequest {
            refresh_token: Some("token-secret".into()),
        };
        let printed = format!("{login:?} {change:?} {refresh:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("ada@example.com"));
    }
}
