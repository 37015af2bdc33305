//! The name shown for a user: 1 to 64 characters, no control characters.

use std::fmt;

use super::InvalidValue;

pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let trimmed = input.trim();
        // Characters, not bytes: "Zoë" is three characters long, not four.
        // The bound holds for the input as sent (what the API document says
        // of the field); blank is judged after trimming.
        if trimmed.is_empty() {
            return Err(InvalidValue::new("length", "must not be blank"));
        }
        if input.chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err(InvalidValue::new(
                "length",
                "must be at most 64 characters long",
            ));
        }
        // Newlines and other control characters break logs, emails and UIs.
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                "control_characters",
                "must not contain control characters such as newlines",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(
            DisplayName::parse("  Ada  ").expect("valid").as_str(),
            "Ada"
        );
    }

    #[test]
    fn blank_names_are_refused() {
        assert_eq!(DisplayName::parse("   ").expect_err("blank").code, "length");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let accented = "é".repeat(MAX_DISPLAY_NAME_CHARS);
        assert!(DisplayName::parse(&accented).is_ok());
        let too_long = "é".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        assert_eq!(
            DisplayName::parse(&too_long).expect_err("long").code,
            "length"
        );
    }

    #[test]
    fn control_characters_are_refused() {
        let error = DisplayName::parse("Ada\nLovelace").expect_err("newline");
        assert_eq!(error.code, "control_characters");
    }
}
