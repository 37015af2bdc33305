//! What the cache stores for one id: the user, or the fact that there is none
//! (negative caching: lookups of missing ids do not reach Postgres each time).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{DisplayName, Email, Role, User};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CachedUser {
    Found(UserSnapshot),
    Missing,
}

/// A user as plain data, for JSON in Redis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSnapshot {
    id: Uuid,
    email: String,
    display_name: String,
    role: Role,
    email_verified_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    // Added in cache schema 2 (`keys::CACHE_SCHEMA_VERSION`), so entries of
    // the old shape are never read; and no serde defaults, so even one that
    // were would fail to parse (a miss), not read as "version 0, active".
    auth_version: i32,
    disabled_at: Option<DateTime<Utc>>,
}

impl From<Option<User>> for CachedUser {
    fn from(user: Option<User>) -> Self {
        match user {
            Some(user) => CachedUser::Found(UserSnapshot {
                id: user.id,
                email: user.email.to_string(),
                display_name: user.display_name.to_string(),
                role: user.role,
                email_verified_at: user.email_verified_at,
                created_at: user.created_at,
                updated_at: user.updated_at,
                auth_version: user.auth_version,
                disabled_at: user.disabled_at,
            }),
            None => CachedUser::Missing,
        }
    }
}

impl CachedUser {
    /// Back to the domain. A snapshot that no longer passes the domain rules
    /// (rules tightened since it was cached) reads as "not cached".
    pub fn to_user(&self) -> Option<Option<User>> {
        match self {
            CachedUser::Missing => Some(None),
            CachedUser::Found(snapshot) => Some(Some(User {
                id: snapshot.id,
                email: Email::parse(&snapshot.email).ok()?,
                display_name: DisplayName::parse(&snapshot.display_name).ok()?,
                role: snapshot.role,
                email_verified_at: snapshot.email_verified_at,
                created_at: snapshot.created_at,
                updated_at: snapshot.updated_at,
                auth_version: snapshot.auth_version,
                disabled_at: snapshot.disabled_at,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_and_a_miss_round_trip_through_json() {
        let now = Utc::now();
        let user = User {
            id: Uuid::now_v7(),
            email: Email::parse("ada@example.com").expect("valid"),
            display_name: DisplayName::parse("Ada").expect("valid"),
            role: Role::Admin,
            email_verified_at: None,
            created_at: now,
            updated_at: now,
            auth_version: 2,
            disabled_at: Some(now),
        };
        for cached in [CachedUser::from(Some(user.clone())), CachedUser::Missing] {
            let json = serde_json::to_string(&cached).expect("json");
            let back: CachedUser = serde_json::from_str(&json).expect("parses");
            assert_eq!(back, cached);
        }
        assert_eq!(
            CachedUser::from(Some(user.clone())).to_user(),
            Some(Some(user))
        );
        assert_eq!(CachedUser::Missing.to_user(), Some(None));
    }
}
