//! Why a value was refused: a stable code for machines and a message for people.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    /// Stable, machine-readable (`email`, `length`, `control_characters`…).
    pub code: &'static str,
    pub message: &'static str,
}

impl InvalidValue {
    pub const fn new(code: &'static str, message: &'static str) -> Self {
        Self { code, message }
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for InvalidValue {}

impl From<InvalidValue> for validator::ValidationError {
    fn from(invalid: InvalidValue) -> Self {
        validator::ValidationError::new(invalid.code).with_message(invalid.message.into())
    }
}
