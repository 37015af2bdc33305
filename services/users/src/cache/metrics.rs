//! Counters for the cache, per layer, kept twice: as atomics, which tests
//! and the bench read directly, and in the service's Prometheus registry
//! ([`UsersMetrics`]), which `/metrics` renders.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::metrics::{CacheLayer, CacheOperation, UsersMetrics};

#[derive(Debug)]
pub struct CacheMetrics {
    /// Where the same events are counted for `/metrics`.
    registry: UsersMetrics,
    pub local_hits: AtomicU64,
    pub redis_hits: AtomicU64,
    /// Lookups that reached Postgres (one per coalesced group of misses).
    pub database_loads: AtomicU64,
    /// Redis calls that failed or timed out, so the next layer was used.
    pub redis_fallbacks: AtomicU64,
    pub invalidations: AtomicU64,
    /// Redis deletes that failed and were handed to the retry task.
    pub deferred_deletes: AtomicU64,
    /// Keys the retry task deleted after all.
    pub late_deletes: AtomicU64,
}

/// A point-in-time copy, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheCounts {
    pub local_hits: u64,
    pub redis_hits: u64,
    pub database_loads: u64,
    pub redis_fallbacks: u64,
    pub invalidations: u64,
    pub deferred_deletes: u64,
    pub late_deletes: u64,
}

impl CacheMetrics {
    pub fn new(registry: UsersMetrics) -> Self {
        let zero = || AtomicU64::new(0);
        Self {
            registry,
            local_hits: zero(),
            redis_hits: zero(),
            database_loads: zero(),
            redis_fallbacks: zero(),
            invalidations: zero(),
            deferred_deletes: zero(),
            late_deletes: zero(),
        }
    }

    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn local_hit(&self) {
        Self::add(&self.local_hits);
        self.registry.cache_lookup(CacheLayer::Local, true);
    }

    pub fn local_miss(&self) {
        self.registry.cache_lookup(CacheLayer::Local, false);
    }

    pub fn redis_hit(&self) {
        Self::add(&self.redis_hits);
        self.registry.cache_lookup(CacheLayer::Redis, true);
    }

    /// Neither layer had it (or Redis did not answer): a Postgres read.
    pub fn database_load(&self) {
        Self::add(&self.database_loads);
        self.registry.cache_lookup(CacheLayer::Redis, false);
    }

    pub fn redis_fallback(&self, operation: CacheOperation) {
        Self::add(&self.redis_fallbacks);
        self.registry.cache_fallback(operation);
    }

    pub fn invalidation(&self) {
        Self::add(&self.invalidations);
        self.registry.cache_invalidation();
    }

    pub fn delete_deferred(&self) {
        Self::add(&self.deferred_deletes);
    }

    pub fn late_deletes_landed(&self, keys: usize) {
        self.late_deletes.fetch_add(keys as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> CacheCounts {
        CacheCounts {
            local_hits: self.local_hits.load(Ordering::Relaxed),
            redis_hits: self.redis_hits.load(Ordering::Relaxed),
            database_loads: self.database_loads.load(Ordering::Relaxed),
            redis_fallbacks: self.redis_fallbacks.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            deferred_deletes: self.deferred_deletes.load(Ordering::Relaxed),
            late_deletes: self.late_deletes.load(Ordering::Relaxed),
        }
    }
}
