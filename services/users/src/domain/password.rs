//! A password that meets the policy. Never printed: `Debug` is redacted and
//! the text is only reachable through `expose_secret`.
//!
//! The policy follows NIST SP 800-63B rather than composition rules
//! ("one digit, one symbol"), which push people towards predictable
//! passwords: length is what makes a password strong.
//!
//! * at least 8 characters: below that, offline guessing is cheap even
//!   against argon2id;
//! * at most 128 characters: long enough for any passphrase or password
//!   manager, short enough that nobody can make us hash megabytes;
//! * not the account's own email address: the first thing an attacker tries.

use secrecy::{ExposeSecret, SecretString};

use super::{Email, InvalidValue};

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

pub struct Password(SecretString);

// ANCHOR: password_parse
impl Password {
    /// Checks `input` against the policy for the account `email`.
    pub fn parse(input: &str, email: &str) -> Result<Self, InvalidValue> {
        // Characters, not bytes, and no trimming: spaces may be part of a passphrase.
        let length = input.chars().count();
        if length < MIN_PASSWORD_CHARS {
            return Err(InvalidValue::new(
                "length",
                "must be at least 8 characters long",
            ));
        }
        if length > MAX_PASSWORD_CHARS {
            return Err(InvalidValue::new(
                "length",
                "must be at most 128 characters long",
            ));
        }
        let is_the_email = Email::parse(input)
            .ok()
            .zip(Email::parse(email).ok())
            .is_some_and(|(password, email)| password.same_account_as(&email));
        if is_the_email {
            return Err(InvalidValue::new(
                "same_as_email",
                "must not be the account's email address",
            ));
        }
        Ok(Self(input.into()))
    }
}
// ANCHOR_END: password_parse

impl ExposeSecret<str> for Password {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_characters_pass_seven_do_not() {
        assert!(Password::parse("12345678", "ada@example.com").is_ok());
        let error = Password::parse("1234567", "ada@example.com").expect_err("short");
        assert_eq!(error.code, "length");
    }

    #[test]
    fn length_counts_characters_so_accents_are_not_penalised() {
        assert!(Password::parse("éééééééé", "ada@example.com").is_ok());
        let too_long = "é".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(
            Password::parse(&too_long, "ada@example.com")
                .expect_err("long")
                .code,
            "length"
        );
    }

    #[test]
    fn the_email_itself_is_refused_in_any_case() {
        let error = Password::parse("Ada@Example.com", "ada@example.com").expect_err("email");
        assert_eq!(error.code, "same_as_email");
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let password = Password::parse("correct horse battery", "ada@example.com").expect("ok");
        assert!(!format!("{password:?}").contains("horse"));
    }
}
