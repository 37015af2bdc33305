//! Cache-aside reads of users through two layers, and invalidation.
//!
//! A read looks in the process (moka), then in Redis, then in Postgres, and
//! fills the layers on the way back. Concurrent misses for the same id in one
//! process are coalesced by moka into a single load (no stampede on a cold
//! key). Redis is optional at every step: unreachable, not yet connected or
//! slower than `redis.timeout_ms`, it is skipped and counted as a fallback.
//!
//! ## When an invalidation fails
//!
//! A write deletes the user's Redis copy after it commits. If that delete
//! fails (Redis down, the link cut, or no answer within `redis.timeout_ms`
//! on a CPU-starved instance), the old copy would otherwise stay readable
//! for the whole Redis TTL (5 minutes), to every instance, and with it any
//! token the write retired (the token check reads accounts through here).
//! So the id is remembered in the process ([`super::pending_deletes`]):
//!
//! - this instance ignores the Redis copy of that id (reads go to Postgres,
//!   nothing is written back to Redis) until a delete of it lands;
//! - a background task ([`super::delete_retries`]) retries the delete, with
//!   jittered backoff of at most [`RETRY_BACKOFF_MAX`], until Redis takes it.
//!
// ANCHOR: staleness_bound
//! **The bound.** For a write whose delete failed, let R be the moment the
//! writing instance reaches Redis again. A read returns the pre-write user
//! (or accepts a token the write retired):
//!
//! - on the writing instance: never from Redis; only from a load already in
//!   flight when the write committed, for at most `local_ttl_ms` (5 s);
//! - on any other instance: for `local_ttl_ms` (5 s) after it last read the
//!   old copy from Redis, a read that precedes the retried delete; and that
//!   delete lands within [`RETRY_BACKOFF_MAX`] (1 s) plus one command's
//!   `redis.timeout_ms` (50 ms) after R. So at most about 6 s after R. If
//!   Redis was down for everyone, no instance could read the copy during the
//!   outage either; if only the writer was cut off or starved, the others
//!   could, until R.
//!
//! Outside the bound, logged at `error`: the writing instance stops before
//! the delete lands (its retries live in memory), or more than
//! [`MAX_PENDING_DELETES`] ids wait at once. Then the copy lives until its
//! Redis TTL, `redis_ttl_secs` plus jitter, as before.
// ANCHOR_END: staleness_bound

use std::{future::Future, sync::Arc, time::Duration};

use capstone_platform::redis::LazyRedis;
use moka::{Expiry, future::Cache};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::delete_retries::RETRY_BACKOFF_MAX;
use super::{
    CacheMetrics,
    cached_user::CachedUser,
    delete_retries::retry_until_landed,
    keys::user_key,
    pending_deletes::{PendingDeletes, Remembered},
};
use crate::{
    domain::User,
    metrics::{CacheOperation, UsersMetrics},
    repo::RepoError,
};

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

/// Failed deletes remembered at most: 100k ids are a few MiB, and hours of
/// writes during an outage. Beyond, a failed delete is only logged.
pub const MAX_PENDING_DELETES: usize = 100_000;

/// The users cache. Cheap to clone: every clone shares both layers.
#[derive(Clone)]
pub struct UserCache {
    local: Cache<Uuid, Arc<CachedUser>>,
    redis: LazyRedis,
    /// Ids whose Redis delete failed: their Redis copy is not to be trusted.
    pending_deletes: Arc<PendingDeletes>,
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
    /// `metrics`: the service's registry, which counts every lookup too.
    pub fn new(redis: LazyRedis, settings: CacheSettings, metrics: UsersMetrics) -> Self {
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
            pending_deletes: Arc::new(PendingDeletes::new(MAX_PENDING_DELETES)),
            settings,
            metrics: Arc::new(CacheMetrics::new(metrics)),
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
                // A copy whose delete failed may predate a write: skip it.
                let trust_redis = !self.pending_deletes.is_waiting(id);
                if trust_redis && let Some(cached) = self.read_redis(id).await {
                    self.metrics.redis_hit();
                    return Ok(Arc::new(cached));
                }
                self.metrics.database_load();
                let cached = CachedUser::from(load().await?);
                // While a delete waits, Redis is left alone for this id: the
                // retry task's delete could otherwise race this write.
                if !self.pending_deletes.is_waiting(id) {
                    self.write_redis(id, &cached).await;
                }
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
    /// before, a concurrent read could cache the old row again. A failed
    /// Redis delete is retried in the background (see the module doc).
    pub async fn invalidate(&self, id: Uuid) {
        self.metrics.invalidation();
        self.local.invalidate(&id).await;
        let earlier_failure = self.pending_deletes.ticket(id);
        let key = user_key(self.redis.key_prefix(), id);
        let deleted = self
            .redis
            .run(async |connection| connection.del::<_, ()>(&key).await)
            .await;
        match deleted {
            Ok(()) => {
                if let Some(ticket) = earlier_failure {
                    self.pending_deletes.landed(ticket);
                }
            }
            Err(error) => {
                self.metrics.redis_fallback(CacheOperation::Delete);
                tracing::warn!(%error, %id, "cached user not deleted from Redis; retrying");
                self.retry_delete_later(id);
            }
        }
    }
    // ANCHOR_END: invalidate

    fn retry_delete_later(&self, id: Uuid) {
        match self.pending_deletes.remember(id) {
            Remembered::Waiting { start_retrying } => {
                self.metrics.delete_deferred();
                if start_retrying {
                    tokio::spawn(retry_until_landed(
                        self.redis.clone(),
                        Arc::clone(&self.pending_deletes),
                        Arc::clone(&self.metrics),
                    ));
                }
            }
            Remembered::Full => tracing::error!(
                %id,
                waiting = MAX_PENDING_DELETES,
                "too many failed Redis deletes waiting: this cached user may be \
                 served stale until its Redis TTL"
            ),
        }
    }

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
