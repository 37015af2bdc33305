//! Counters for the cache, per layer. Plain atomics for now; the
//! observability chapter exports them as Prometheus metrics.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct CacheMetrics {
    pub local_hits: AtomicU64,
    pub redis_hits: AtomicU64,
    /// Lookups that reached Postgres (one per coalesced group of misses).
    pub database_loads: AtomicU64,
    /// Redis calls that failed or timed out, so the next layer was used.
    pub redis_fallbacks: AtomicU64,
    pub invalidations: AtomicU64,
}

/// A point-in-time copy, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheCounts {
    pub local_hits: u64,
    pub redis_hits: u64,
    pub database_loads: u64,
    pub redis_fallbacks: u64,
    pub invalidations: u64,
}

impl CacheMetrics {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> CacheCounts {
        CacheCounts {
            local_hits: self.local_hits.load(Ordering::Relaxed),
            redis_hits: self.redis_hits.load(Ordering::Relaxed),
            database_loads: self.database_loads.load(Ordering::Relaxed),
            redis_fallbacks: self.redis_fallbacks.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
        }
    }
}
