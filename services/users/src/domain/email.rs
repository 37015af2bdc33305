//! An email address: the local part as the user typed it, the domain in
//! its one canonical spelling.
//!
//! * **The domain** is case-insensitive (DNS) and may be written in Unicode
//!   (`bücher.example`) or in its ASCII form (`xn--bcher-kva.example`): the
//!   same mailbox. It is mapped with IDNA (UTS 46) to lower-case ASCII, so
//!   both spellings become one account, and SMTP servers that predate
//!   internationalised mail can still deliver to it.
//! * **The local part** (before the `@`) is kept as typed. How a mail
//!   server reads it is that server's business: `Ada` and `ada` are one
//!   mailbox almost everywhere but not by the standard, some providers
//!   ignore dots or `+tags` and most do not. Folding more than case would
//!   merge mailboxes that are different elsewhere, so uniqueness ignores
//!   case (a unique index on `lower(email)`) and nothing else.

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
        let invalid = || InvalidValue::new("email", "must be a valid email address");
        let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
        // UTS 46 to ASCII: lower case, Unicode labels as punycode; refuses
        // what is not a domain name at all.
        let domain = idna::domain_to_ascii(domain).map_err(|_| invalid())?;
        let canonical = format!("{local}@{domain}");
        if canonical.len() > MAX_EMAIL_LENGTH {
            return Err(InvalidValue::new(
                "length",
                "must be at most 254 characters long",
            ));
        }
        if !canonical.validate_email() {
            return Err(invalid());
        }
        Ok(Self(canonical))
    }

    /// The spelling to look an account up by, for input that may not be an
    /// address at all (a login form): its canonical form when it parses,
    /// else the trimmed text (which then matches nothing).
    pub fn lookup_form(input: &str) -> String {
        Self::parse(input).map_or_else(|_| input.trim().to_owned(), |email| email.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two addresses name the same account.
    ///
    /// Mirrors the unique index on `lower(email)`. For ASCII addresses the two
    /// agree exactly; for non-ASCII local parts Postgres' `lower()` follows the
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
        assert_eq!(one.as_str(), "Ada@example.com", "the local part as typed");
        assert_ne!(one, two);
    }

    #[test]
    fn a_unicode_domain_and_its_punycode_are_one_address() {
        let unicode = Email::parse("ada@Bücher.example").expect("valid");
        let ascii = Email::parse("ada@xn--bcher-kva.example").expect("valid");
        assert_eq!(unicode, ascii);
        assert_eq!(unicode.as_str(), "ada@xn--bcher-kva.example");
        assert_eq!(Email::lookup_form(" ada@BÜCHER.example "), ascii.as_str());
        assert_eq!(Email::lookup_form("not an address"), "not an address");
    }

    #[test]
    fn a_domain_idna_refuses_is_not_an_address() {
        for bad in ["ada@exa mple.com", "ada@-bad-.example\u{0}"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
