//! Keyset pagination cursors.
//!
//! A page ends at some user; the cursor remembers that user's sort key
//! `(created_at, id)` so the next page can ask for "rows after this key"
//! (`WHERE (created_at, id) < (…)`), which an index answers directly however
//! deep the page. OFFSET would instead read and discard every earlier row, and
//! would skip or repeat rows when users are inserted between two requests.
//!
//! The cursor is opaque to clients (base64url) so we may change its contents;
//! the `v1` prefix lets a later version tell old cursors apart.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::InvalidValue;

// ANCHOR: page_cursor
/// The sort key of the last row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl PageCursor {
    pub fn encode(&self) -> String {
        let raw = format!("v1.{}.{}", self.created_at.timestamp_micros(), self.id);
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(cursor: &str) -> Result<Self, InvalidValue> {
        let invalid = || InvalidValue::new("cursor", "is not a cursor returned by this API");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = raw.splitn(3, '.');
        let (Some("v1"), Some(micros), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let micros: i64 = micros.parse().map_err(|_| invalid())?;
        Ok(Self {
            created_at: DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?,
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}
// ANCHOR_END: page_cursor

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_to_the_microsecond() {
        let created_at =
            DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("valid time");
        let cursor = PageCursor {
            created_at,
            id: Uuid::now_v7(),
        };
        assert_eq!(PageCursor::decode(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn garbage_and_tampered_cursors_are_refused() {
        let tampered = URL_SAFE_NO_PAD.encode("v2.1.00000000-0000-0000-0000-000000000000");
        for bad in ["", "!!!", "djE", tampered.as_str()] {
            assert_eq!(PageCursor::decode(bad).expect_err(bad).code, "cursor");
        }
    }
}
