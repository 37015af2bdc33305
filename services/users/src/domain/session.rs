//! A login session, as its owner sees it: one family of refresh tokens.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A session that can still be refreshed: its family's newest token is
/// unused, unrevoked and unexpired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The family's id. Revoking a session names it.
    pub id: Uuid,
    pub user_id: Uuid,
    /// When the login happened: the family id is a UUIDv7 made at login,
    /// so it carries the time (to the millisecond) and no column is needed.
    pub signed_in_at: DateTime<Utc>,
    /// When the current refresh token was issued (the last refresh, or the
    /// login if there was none).
    pub last_refreshed_at: DateTime<Utc>,
    /// When it ends unless refreshed (idle), or for good (absolute).
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// `signed_in_at` from a UUIDv7 family id; `fallback` for any other
    /// version (no family id is made any other way, but a row is data).
    pub fn signed_in_at(family_id: Uuid, fallback: DateTime<Utc>) -> DateTime<Utc> {
        family_id
            .get_timestamp()
            .and_then(|timestamp| {
                let (seconds, nanos) = timestamp.to_unix();
                DateTime::from_timestamp(i64::try_from(seconds).ok()?, nanos)
            })
            .unwrap_or(fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v7_family_id_tells_when_the_login_happened() {
        let before = Utc::now();
        let id = Uuid::now_v7();
        let signed_in = Session::signed_in_at(id, DateTime::UNIX_EPOCH);
        // Millisecond precision: within a millisecond of the clock read before.
        assert!(
            (signed_in - before).num_milliseconds().abs() <= 1,
            "{signed_in} vs {before}"
        );
    }

    #[test]
    fn another_version_falls_back() {
        let fallback = Utc::now();
        assert_eq!(Session::signed_in_at(Uuid::nil(), fallback), fallback);
    }
}
