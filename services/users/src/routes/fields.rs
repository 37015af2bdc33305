//! Field rules shared by the request types of several routes: each rule
//! here is also written into the OpenAPI document (`#[schema(pattern…)]`),
//! so a client, or the contract tests, can tell a valid value from an
//! invalid one without asking the server.
//!
//! The patterns are JSON Schema (ECMA-262) regular expressions, spelt out as
//! literals where the request types use them (utoipa takes only literals):
//!
//! | rule | pattern |
//! |---|---|
//! | printable: no control character (Unicode Cc: U+0000–001F, U+007F–009F), so nothing like NUL reaches SQL, logs or emails | `^[^\u0000-\u001F\u007F-\u009F]*$` |
//! | a display name: printable and not blank (a character that is neither a control nor white space, as Rust's `char::is_whitespace` has it) | see [`DISPLAY_NAME_PATTERN`] |

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use validator::{ValidateLength, ValidationError};

use crate::domain::{DisplayName, Email};

/// The display-name rule as a JSON Schema pattern (what `DisplayName::parse`
/// accepts, within its length bounds).
pub const DISPLAY_NAME_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// The printable rule as a JSON Schema pattern.
pub const PRINTABLE_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

pub fn check_email(value: &str) -> Result<(), ValidationError> {
    Email::parse(value).map(drop).map_err(Into::into)
}

pub fn check_display_name(value: &str) -> Result<(), ValidationError> {
    DisplayName::parse(value).map(drop).map_err(Into::into)
}

/// No control characters: Postgres refuses NUL in text (a 500 if it got
/// that far), and the others have no business in an address or a filter.
pub fn check_printable(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(char::is_control) {
        return Err(ValidationError::new("control_characters")
            .with_message("must not contain control characters such as NUL or newlines".into()));
    }
    Ok(())
}

// ANCHOR: secret_field
/// A password or token in a request: a [`SecretString`] (redacted by its
/// `Debug`, read only through `expose_secret()`), that `validator` can check
/// with the same `length` rule (in characters) as a `String`.
///
/// Why a newtype and not the bare `SecretString`: the `validator` derive puts
/// every failing field's value into the error's parameters, which takes
/// `Serialize`, and `secrecy` (rightly) refuses to serialise a secret. Here
/// it serialises as `"[REDACTED]"`, and the problem body never shows
/// parameters anyway (`platform::problem::from_validator`). Deref gives the
/// `SecretString` to the use cases.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct SecretField(SecretString);

impl std::ops::Deref for SecretField {
    type Target = SecretString;

    fn deref(&self) -> &SecretString {
        &self.0
    }
}

impl From<&str> for SecretField {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}

impl ValidateLength<u64> for SecretField {
    fn length(&self) -> Option<u64> {
        Some(self.0.expose_secret().chars().count() as u64)
    }
}

impl Serialize for SecretField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[REDACTED]")
    }
}
// ANCHOR_END: secret_field

/// For optional fields that may be left out but not sent as `null`
/// (`#[serde(default, deserialize_with = "present")]`): in a merge patch,
/// `null` would mean "remove", which none of these fields allows, so it is a
/// 422 rather than silently the same as leaving the field out.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_not_printable() {
        for bad in ["a\u{0}b", "line\nbreak", "\u{7f}", "\u{85}"] {
            assert!(check_printable(bad).is_err(), "{bad:?}");
        }
        for good in ["ada@example.com", "Zoë", "a b", ""] {
            assert!(check_printable(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn a_secret_field_is_checked_in_characters_and_never_shown() {
        #[derive(Debug, Deserialize, validator::Validate)]
        struct Request {
            #[validate(length(min = 8, max = 128, message = "must be 8 to 128 characters long"))]
            password: SecretField,
        }
        // Eight characters, more than eight bytes: long enough, like a String.
        let long_enough: Request =
            serde_json::from_str(r#"{"password": "ééééééé é"}"#).expect("a string");
        assert!(validator::Validate::validate(&long_enough).is_ok());

        let short: Request = serde_json::from_str(r#"{"password": "hunter2"}"#).expect("a string");
        let errors = validator::Validate::validate(&short).expect_err("7 characters");
        let error = &errors.field_errors()["password"][0];
        assert_eq!(error.code, "length");
        let printed = format!("{short:?} {errors:?} {}", errors);
        assert!(!printed.contains("hunter2"), "{printed}");
    }

    #[test]
    fn null_is_refused_where_only_absence_is_allowed() {
        #[derive(Debug, Deserialize)]
        struct Patch {
            #[serde(default, deserialize_with = "present")]
            name: Option<String>,
        }
        let absent: Patch = serde_json::from_str("{}").expect("absent is fine");
        assert_eq!(absent.name, None);
        assert!(serde_json::from_str::<Patch>(r#"{"name": null}"#).is_err());
        let sent: Patch = serde_json::from_str(r#"{"name": "Ada"}"#).expect("a value");
        assert_eq!(sent.name.as_deref(), Some("Ada"));
    }
}
