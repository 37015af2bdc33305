//! An email address, as the user typed it (trimmed).
//!
//! Uniqueness is case-insensitive (`Ada@Example.com` and `ada@example.com` are
//! one account) but the address is stored as typed, because the local part is
//! case-sensitive in theory and users like to see what they typed.

use std::fmt;

use validator::ValidateEmail;

use super::InvalidValue;

/// RFC 5321 limits a forward path to 256 octets including the angle brackets.
pub const MAX_EMAIL_LENGTH: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

// ANCHOR: email_parse
impl Email {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = input.trim();
        if trimmed.len() > MAX_EMAIL_LENGTH {
            return Err(InvalidValue::new(
                "length",
                "must be at most 254 characters long",
            ));
        }
        if !trimmed.validate_email() {
            return Err(InvalidValue::new("email", "must be a valid email address"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two addresses name the same account.
    ///
    /// Mirrors the unique index on `lower(email)`. For ASCII addresses the two
    /// agree exactly; for non-ASCII ones Postgres' `lower()` follows the
    /// database collation and may fold case differently from Rust's Unicode
    /// rules. The database stays the authority on uniqueness; this is only
    /// used to decide whether a changed address keeps its verification.
    pub fn same_account_as(&self, other: &Email) -> bool {
        self.0.to_lowercase() == other.0.to_lowercase()
    }
}
// ANCHOR_END: email_parse

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_address_parses_and_is_trimmed() {
        let email = Email::parse("  ada@example.com ").expect("valid");
        assert_eq!(email.as_str(), "ada@example.com");
    }

    #[test]
    fn addresses_without_at_or_domain_are_refused() {
        for bad in ["", "ada", "ada@", "@example.com", "ada example@x.com"] {
            let error = Email::parse(bad).expect_err(bad);
            assert_eq!(error.code, "email", "{bad}");
        }
    }

    #[test]
    fn addresses_over_254_characters_are_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).expect_err("too long").code, "length");
    }

    #[test]
    fn case_does_not_make_a_different_account() {
        let one = Email::parse("Ada@Example.com").expect("valid");
        let two = Email::parse("ada@example.COM").expect("valid");
        assert!(one.same_account_as(&two));
        assert_ne!(one, two, "but the typed form is kept");
    }
}
