//! Redis key names for cached users: `{prefix}:users:v{N}:{id}`.
//!
//! The version is part of the key so that a deploy that changes the cached
//! shape ([`super::cached_user::CachedUser`]) reads none of the old entries:
//! they simply expire. Bump it whenever that shape changes.

use uuid::Uuid;

/// The shape version of cached users. Bump on any change to `CachedUser`.
/// 2: `auth_version` and `disabled_at` (the token check reads them).
pub const CACHE_SCHEMA_VERSION: u32 = 2;

/// `{prefix}:users:v2:{id}`; `prefix` comes from `redis.key_prefix`.
pub fn user_key(prefix: &str, id: Uuid) -> String {
    format!("{prefix}:users:v{CACHE_SCHEMA_VERSION}:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_prefix_version_and_id() {
        let id = Uuid::nil();
        assert_eq!(
            user_key("capstone", id),
            "capstone:users:v2:00000000-0000-0000-0000-000000000000"
        );
    }
}
