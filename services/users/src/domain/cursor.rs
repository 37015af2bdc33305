//! Keyset pagination cursors.
//!
//! A page ends at some user; the cursor remembers that user's sort key
//! `(created_at, id)` so the next page can ask for "rows after this key"
//! (`WHERE (created_at, id) < (…)`), which an index answers directly however
//! deep the page. OFFSET would instead read and discard every earlier row, and
//! would skip or repeat rows when users are inserted between two requests.
//!
//! Clients treat the cursor as opaque: they pass back what they were given.
//! It is still plain text, `v1.<created_at in µs>.<id>`, for one reason:
//! the API document can then state exactly which strings are cursors (a
//! pattern), so every string that matches it is one the server accepts,
//! and every other is refused. (An encoded, "truly opaque" cursor makes
//! the document say "any string" while the server refuses most.) The
//! `v1` prefix lets a later version tell old cursors apart.

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
        format!(
            "v1.{}.{}",
            self.created_at.timestamp_micros(),
            self.id.hyphenated()
        )
    }

    /// The inverse of [`encode`](Self::encode): accepts exactly the strings
    /// the document's pattern describes (`v1.`, 1–16 digits, `.`, a
    /// hyphenated UUID).
    pub fn decode(cursor: &str) -> Result<Self, InvalidValue> {
        let invalid = || InvalidValue::new("cursor", "is not a cursor returned by this API");
        let mut parts = cursor.splitn(3, '.');
        let (Some("v1"), Some(micros), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let digits = micros.len();
        if !(1..=16).contains(&digits) || !micros.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(invalid());
        }
        if id.len() != 36 {
            return Err(invalid()); // only the hyphenated form, as the pattern says
        }
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
        for bad in [
            "",
            "!!!",
            "v2.1.00000000-0000-0000-0000-000000000000",
            "v1.-5.00000000-0000-0000-0000-000000000000",
            "v1.12345678901234567.00000000-0000-0000-0000-000000000000",
            "v1.1.00000000000000000000000000000000",
            "v1.1.not-a-uuid-at-all-but-36-chars-long!",
        ] {
            assert_eq!(PageCursor::decode(bad).expect_err(bad).code, "cursor");
        }
    }

    #[test]
    fn every_string_the_pattern_allows_decodes() {
        for good in [
            "v1.0.00000000-0000-0000-0000-000000000000",
            "v1.9999999999999999.FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF",
        ] {
            assert!(PageCursor::decode(good).is_ok(), "{good}");
        }
    }
}
