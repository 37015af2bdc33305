//! Caching users: an in-process layer (moka) in front of Redis in front of
//! Postgres, read cache-aside and invalidated on every write.
//!
//! | module | role |
//! |---|---|
//! | [`keys`] | the one place Redis key names are made |
//! | [`cached_user`] | what is stored: a user, or "no such user" (negative caching) |
//! | [`user_cache`] | lookups, coalescing, TTLs with jitter, invalidation, degradation |
//! | [`pending_deletes`] | ids whose Redis delete failed: their copy is ignored until one lands |
//! | [`delete_retries`] | the background task retrying those deletes |
//! | [`metrics`] | hit/miss/fallback counters per layer (also exported to Prometheus) |
//!
//! Explained in docs/src/performance.md.

pub mod cached_user;
pub mod delete_retries;
pub mod keys;
pub mod metrics;
pub mod pending_deletes;
pub mod user_cache;

pub use metrics::CacheMetrics;
pub use user_cache::{CacheSettings, UserCache};
