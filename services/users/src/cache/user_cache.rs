//! Cache-aside reads of users through two layers, and invalidation.
//!
//! A read looks in the process (moka), then in Redis, then in Postgres, and
//! fills the layers on the way back. Concurrent misses for the same id in one
//! process are coalesced by moka into a single load (no stampede on a cold
//! key). Redis is optional at every step: unreachable, not yet connected or
//! slower than `redis.timeout_ms`, it is skipped and counted as a fallback.

use std::{future::Future, sync::Arc, time::Duration};

use capstone_platform::redis::LazyRedis;
use moka::{Expiry, future::Cache};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CacheMetrics, cached_user::CachedUser, keys::user_key};
use crate::{domain::User, metrics::CacheOperation, repo::RepoError};

/// `[users.cache]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Entries kept in each process.
    pub local_max_entries: u64,
    /// How long an entry lives in the process. Short: it bounds how long an
    /// instance can serve a value another instance has changed.
    pub local_ttl_ms: u64,
    /// How long an entry lives in Redis, before jitter.
    pub redis_ttl_secs: u64,
    /// Up to this many seconds are added at random to each Redis TTL, so keys
    /// written together (after a deploy, a bulk import) do not expire together.
    pub ttl_jitter_secs: u64,
    /// How long "no such user" is remembered, in both layers.
    pub negative_ttl_secs: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            local_max_entries: 10_000,
            local_ttl_ms: 5_000,
            redis_ttl_secs: 300,
            ttl_jitter_secs: 30,
            negative_ttl_secs: 30,
        }
    }
}

/// Per-entry lifetime in the process: found users and misses differ.
struct LocalExpiry {
    found: Duration,
    missing: Duration,
}

impl Expiry<Uuid, Arc<CachedUser>> for LocalExpiry {
    fn expire_after_create(
        &self,
        _key: &Uuid,
        value: &Arc<CachedUser>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(match value.as_ref() {
            CachedUser::Found(_) => self.found,
            CachedUser::Missing => self.missing.min(self.found),
        })
    }
}

/// The users cache. Cheap to clone: every clone shares both layers.
#[derive(Clone)]
pub struct UserCache {
    local: Cache<Uuid, Arc<CachedUser>>,
    redis: LazyRedis,
    settings: CacheSettings,
    metrics: Arc<CacheMetrics>,
}

impl std::fmt::Debug for UserCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCache")
            .field("settings", &self.settings)
            .field("metrics", &self.metrics.snapshot())
            .finish_non_exhaustive()
    }
}

impl UserCache {
    pub fn new(redis: LazyRedis, settings: CacheSettings) -> Self {
        let local = Cache::builder()
            .max_capacity(settings.local_max_entries)
            .expire_after(LocalExpiry {
                found: Duration::from_millis(settings.local_ttl_ms),
                missing: Duration::from_secs(settings.negative_ttl_secs),
            })
            .build();
        Self {
            local,
            redis,
            settings,
            metrics: Arc::new(CacheMetrics::default()),
        }
    }

    pub fn metrics(&self) -> Arc<CacheMetrics> {
        Arc::clone(&self.metrics)
    }

    // ANCHOR: get_or_load
    /// The user with `id` (`None`: no such user), from the nearest layer that
    /// has it; `load` reads Postgres and runs at most once per coalesced miss.
    pub async fn get_or_load<F, Fut>(&self, id: Uuid, load: F) -> Result<Option<User>, RepoError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<User>, RepoError>>,
    {
        if let Some(cached) = self.local.get(&id).await {
            if let Some(user) = cached.to_user() {
                self.metrics.local_hit();
                return Ok(user);
            }
            // Cached under older domain rules: not a hit, and not worth keeping.
            self.local.invalidate(&id).await;
        }
        self.metrics.local_miss();
        // Concurrent callers for the same id wait for this one future.
        let cached = self
            .local
            .try_get_with(id, async {
                if let Some(cached) = self.read_redis(id).await {
                    self.metrics.redis_hit();
                    return Ok(Arc::new(cached));
                }
                self.metrics.database_load();
                let cached = CachedUser::from(load().await?);
                self.write_redis(id, &cached).await;
                Ok(Arc::new(cached))
            })
            .await
            .map_err(unshare)?;
        cached
            .to_user()
            .ok_or_else(|| RepoError::CorruptRow(format!("cached user {id} no longer parses")))
    }
    // ANCHOR_END: get_or_load

    // ANCHOR: invalidate
    /// Forgets `id` in both layers. Call it *after* the write has committed:
    /// before, a concurrent read could cache the old row again.
    pub async fn invalidate(&self, id: Uuid) {
        self.metrics.invalidation();
        self.local.invalidate(&id).await;
        let key = user_key(self.redis.key_prefix(), id);
        let deleted = self
            .redis
            .run(async |connection| connection.del::<_, ()>(&key).await)
            .await;
        if let Err(error) = deleted {
            // The entry expires on its own within `redis_ttl_secs` (plus jitter).
            self.metrics.redis_fallback(CacheOperation::Delete);
            tracing::warn!(%error, %id, "cached user not deleted from Redis");
        }
    }
    // ANCHOR_END: invalidate

    async fn read_redis(&self, id: Uuid) -> Option<CachedUser> {
        let key = user_key(self.redis.key_prefix(), id);
        match self
            .redis
            .run(async |connection| connection.get::<_, Option<String>>(&key).await)
            .await
        {
            // Unreadable, or no longer valid under today's domain rules: a miss.
            Ok(json) => json
                .and_then(|json| serde_json::from_str::<CachedUser>(&json).ok())
                .filter(|cached| cached.to_user().is_some()),
            Err(error) => {
                self.metrics.redis_fallback(CacheOperation::Read);
                tracing::debug!(%error, "Redis skipped for a read");
                None
            }
        }
    }

    async fn write_redis(&self, id: Uuid, cached: &CachedUser) {
        let Ok(json) = serde_json::to_string(cached) else {
            return;
        };
        let key = user_key(self.redis.key_prefix(), id);
        let ttl = match cached {
            CachedUser::Found(_) => {
                self.settings.redis_ttl_secs + jitter(self.settings.ttl_jitter_secs)
            }
            CachedUser::Missing => self.settings.negative_ttl_secs,
        };
        let written = self
            .redis
            .run(async |connection| connection.set_ex::<_, _, ()>(&key, &json, ttl).await)
            .await;
        if written.is_err() {
            self.metrics.redis_fallback(CacheOperation::Write);
        }
    }
}

/// 0..=`max` seconds, uniformly.
fn jitter(max: u64) -> u64 {
    let mut bytes = [0_u8; 8];
    if max == 0 || getrandom::fill(&mut bytes).is_err() {
        return 0;
    }
    u64::from_le_bytes(bytes) % (max + 1)
}

/// moka shares one load's error with every coalesced waiter; give each its
/// own copy, keeping the status it maps to (503 stays 503).
fn unshare(error: Arc<RepoError>) -> RepoError {
    Arc::try_unwrap(error).unwrap_or_else(|shared| match shared.as_ref() {
        RepoError::Unavailable(reason) => RepoError::Unavailable(reason.clone()),
        RepoError::NotFound => RepoError::NotFound,
        RepoError::EmailTaken => RepoError::EmailTaken,
        other => RepoError::CorruptRow(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::jitter;

    #[test]
    fn jitter_stays_within_bounds_and_varies() {
        let samples: Vec<u64> = (0..200).map(|_| jitter(30)).collect();
        assert!(samples.iter().all(|s| *s <= 30));
        assert!(samples.iter().any(|s| *s != samples[0]), "not constant");
        assert_eq!(jitter(0), 0);
    }
}
