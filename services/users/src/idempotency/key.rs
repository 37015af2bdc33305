//! The `Idempotency-Key` request header: what a valid key looks like.

use actix_web::http::header::HeaderMap;

/// The request header (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The response header that marks a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The longest key accepted, in bytes: room for a UUID, a ULID, or a
/// client's own `order-1234-attempt-…` scheme, and a bounded Redis key.
pub const MAX_KEY_LENGTH: usize = 255;

/// The pattern of a valid key, for the OpenAPI document: 1 to 255 visible
/// ASCII characters (RFC 5234 `VCHAR`, `!` to `~`; no space).
pub const KEY_PATTERN: &str = "^[\\x21-\\x7E]{1,255}$";

/// A key as the client sent it. Opaque: compared byte for byte, never
/// parsed. The draft spells it as a structured-field string (`"…"`); the
/// quotes are then part of the key, which only matters if one client
/// sends the same key both ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

/// Why a key was refused (a 400 that names the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidKey {
    #[error("must be 1 to 255 characters long")]
    Length,
    #[error("must be visible ASCII characters only (`!` to `~`, no spaces)")]
    Characters,
    #[error("must be sent once")]
    Repeated,
}

impl InvalidKey {
    /// The stable code in the problem's `errors[].code`.
    pub fn code(self) -> &'static str {
        match self {
            InvalidKey::Length => "length",
            InvalidKey::Characters => "visible_ascii",
            InvalidKey::Repeated => "repeated",
        }
    }
}

impl IdempotencyKey {
    /// The key in `headers`: `None` without the header (the request is
    /// handled as if idempotency did not exist), an error for a bad one.
    pub fn from_headers(headers: &HeaderMap) -> Option<Result<Self, InvalidKey>> {
        let mut values = headers.get_all(IDEMPOTENCY_KEY_HEADER);
        let value = values.next()?;
        if values.next().is_some() {
            // Two keys name no one request: refused rather than picking one.
            return Some(Err(InvalidKey::Repeated));
        }
        Some(Self::parse(value.as_bytes()))
    }

    /// A key from the header's raw bytes.
    pub fn parse(raw: &[u8]) -> Result<Self, InvalidKey> {
        if raw.is_empty() || raw.len() > MAX_KEY_LENGTH {
            return Err(InvalidKey::Length);
        }
        if !raw.iter().all(u8::is_ascii_graphic) {
            return Err(InvalidKey::Characters);
        }
        // Visible ASCII is UTF-8.
        String::from_utf8(raw.to_vec())
            .map(IdempotencyKey)
            .map_err(|_| InvalidKey::Characters)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_ascii_of_1_to_255_characters_is_a_key() {
        for key in [
            "a",
            "8e03978e-40d5-43e8-bc93-6894a57f9324",
            "\"quoted\"",
            "!~",
        ] {
            assert_eq!(
                IdempotencyKey::parse(key.as_bytes()).map(|k| k.0),
                Ok(key.into())
            );
        }
        assert!(IdempotencyKey::parse("k".repeat(255).as_bytes()).is_ok());
    }

    #[test]
    fn empty_long_spaced_or_non_ascii_keys_are_refused() {
        assert_eq!(IdempotencyKey::parse(b""), Err(InvalidKey::Length));
        assert_eq!(
            IdempotencyKey::parse("k".repeat(256).as_bytes()),
            Err(InvalidKey::Length)
        );
        for key in ["a b", "tab\t", "caf\u{e9}", "nul\0"] {
            assert_eq!(
                IdempotencyKey::parse(key.as_bytes()),
                Err(InvalidKey::Characters),
                "{key:?}"
            );
        }
    }
}
