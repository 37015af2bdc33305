//! The per-instance limiter used while Redis is unreachable.
//!
//! It runs the same [`decide`](super::gcra::decide) as the Redis script, with
//! this process' monotonic clock and the TATs in a bounded in-memory cache.
//! Each gateway instance then enforces the limit on its own, so N instances
//! together let through up to N times the limit: looser than Redis, but the
//! API keeps answering and one client still cannot flood an instance.

use std::time::{Duration, Instant};

use moka::{ops::compute::Op, sync::Cache};

use super::gcra::{GcraOutcome, GcraParams, decide};

/// Most clients remembered at once. At roughly 100 bytes per entry this caps
/// the fallback's memory near 10 MB; past it moka evicts the least useful
/// entries, which only makes the limit more lenient for them.
const MAX_CLIENTS: u64 = 100_000;

/// Per-instance GCRA state, keyed by (class, client).
#[derive(Debug, Clone)]
pub(super) struct LocalLimiter {
    /// (class, client) → TAT in nanoseconds since `started`. A tuple, not a
    /// joined string: client strings may contain any separator (IPv6 has `:`).
    tats: Cache<(String, String), i64>,
    /// The zero of our monotonic clock. Monotonic because a wall-clock jump
    /// backwards would otherwise lock clients out.
    started: Instant,
}

impl LocalLimiter {
    /// `forget_after`: how long an untouched entry is kept. Pass the longest
    /// time any class takes to refill: by then the bucket is full again and
    /// the entry means the same as no entry.
    pub(super) fn new(forget_after: Duration) -> Self {
        Self {
            tats: Cache::builder()
                .max_capacity(MAX_CLIENTS)
                .time_to_idle(forget_after.max(Duration::from_secs(1)))
                .build(),
            started: Instant::now(),
        }
    }

    /// Decides one request for `client` in `class`.
    pub(super) fn check(&self, class: &str, client: &str, params: &GcraParams) -> GcraOutcome {
        self.check_at(class, client, params, Instant::now())
    }

    /// [`Self::check`] at a given moment: the tests pass their own, so a
    /// loaded machine's pauses cannot change what they see.
    fn check_at(&self, class: &str, client: &str, params: &GcraParams, at: Instant) -> GcraOutcome {
        let elapsed = at.saturating_duration_since(self.started);
        let now = i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX);
        let mut outcome = None;
        // `and_compute_with` runs the closure under moka's per-key lock: two
        // concurrent requests from one client cannot both read the old TAT.
        self.tats
            .entry((class.to_owned(), client.to_owned()))
            .and_compute_with(|entry| {
                let (decided, new_tat) = decide(params, entry.map(|entry| entry.into_value()), now);
                outcome = Some(decided);
                new_tat.map_or(Op::Nop, Op::Put)
            });
        // The closure always runs; the fallback only satisfies the type.
        outcome.unwrap_or(GcraOutcome {
            allowed: true,
            remaining: 0,
            reset_after: Duration::ZERO,
            retry_after: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::RateLimitSettings;
    use super::*;

    fn params(requests: u32, period_secs: u64, burst: u32) -> GcraParams {
        GcraParams::from_settings(&RateLimitSettings {
            requests,
            period_secs,
            burst,
        })
    }

    #[test]
    fn enforces_the_burst_then_refuses() {
        let limiter = LocalLimiter::new(Duration::from_secs(60));
        let params = params(1, 60, 2);
        let outcomes: Vec<_> = (0..3)
            .map(|_| limiter.check("api", "alice", &params))
            .collect();
        assert_eq!(
            outcomes.iter().map(|o| o.allowed).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(outcomes[1].remaining, 0);
        assert!(
            outcomes[2]
                .retry_after
                .is_some_and(|wait| wait > Duration::from_secs(59))
        );
    }

    #[test]
    fn clients_and_classes_have_separate_budgets() {
        let limiter = LocalLimiter::new(Duration::from_secs(60));
        let params = params(1, 60, 1);
        assert!(limiter.check("api", "alice", &params).allowed);
        assert!(!limiter.check("api", "alice", &params).allowed);
        assert!(limiter.check("api", "bob", &params).allowed);
        assert!(limiter.check("login", "alice", &params).allowed);
    }

    #[test]
    fn key_parts_cannot_run_into_each_other() {
        let limiter = LocalLimiter::new(Duration::from_secs(60));
        let params = params(1, 60, 1);
        assert!(limiter.check("a:b", "c", &params).allowed);
        assert!(limiter.check("a", "b:c", &params).allowed);
    }

    #[test]
    fn budget_comes_back_with_time() {
        let limiter = LocalLimiter::new(Duration::from_secs(1));
        // 1 000 per second: T = 1 ms, so 5 ms later a request is earned back.
        // Explicit instants: with the real clock, a loaded CI machine once
        // paused for over 1 ms between the first two checks.
        let params = params(1_000, 1, 1);
        let start = Instant::now();
        assert!(limiter.check_at("api", "alice", &params, start).allowed);
        assert!(!limiter.check_at("api", "alice", &params, start).allowed);
        let later = start + Duration::from_millis(5);
        assert!(limiter.check_at("api", "alice", &params, later).allowed);
    }
}
