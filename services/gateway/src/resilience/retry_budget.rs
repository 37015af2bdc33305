//! A retry budget: retries may add only a bounded share on top of ordinary
//! traffic, so that retrying cannot multiply the load on a failing upstream.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

// ANCHOR: retry_budget
/// How long unspent retry tokens last. Tokens fade away with this time
/// constant instead of piling up: after a quiet hour the bucket holds about
/// 10 s of the floor (`min_per_sec * 10`), and after a busy spell about 10 s
/// of `ratio` deposits on top. That is enough for a short burst of retries
/// when an upstream hiccups, never an unlimited bank (Finagle's budgets forget
/// deposits after 10 s too).
const TOKEN_LIFETIME: Duration = Duration::from_secs(10);

/// Float slack: ten deposits of 0.1 must buy one retry even though they add
/// up to 0.9999999999999999 in binary floating point.
const ROUNDING_SLACK: f64 = 1e-9;

/// A token bucket for retries, in the spirit of Finagle's and Envoy's retry
/// budgets. Every first attempt deposits `ratio` of a token, time deposits
/// `min_per_sec` tokens per second, and every retry must withdraw one whole
/// token. Over any period, retries therefore stay below
/// `ratio * requests + min_per_sec * seconds`, plus what the bucket held.
#[derive(Debug)]
pub struct RetryBudget {
    ratio: f64,
    min_per_sec: f64,
    // A std Mutex: the critical section is a few float operations and is
    // never held across an `.await`.
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date; `None` until the first call.
    updated: Option<Instant>,
}

impl RetryBudget {
    /// Retries may add at most `ratio` (e.g. 0.2 = 20 %) on top of ordinary
    /// traffic, plus `min_per_sec` retries per second so a quiet upstream can
    /// still be retried. A negative or non-finite `ratio` counts as 0.
    /// The bucket starts as after a long quiet period (10 s of the floor), so
    /// a gateway that has just started can already retry.
    pub fn new(ratio: f64, min_per_sec: u32) -> Self {
        let ratio = if ratio.is_finite() {
            ratio.max(0.0)
        } else {
            0.0
        };
        let min_per_sec = f64::from(min_per_sec);
        Self {
            ratio,
            min_per_sec,
            bucket: Mutex::new(Bucket {
                tokens: quiet_level(min_per_sec),
                updated: None,
            }),
        }
    }

    /// A first attempt was sent: deposit `ratio` of a token.
    pub fn record_request(&self, now: Instant) {
        let mut bucket = self.lock(now);
        bucket.tokens += self.ratio;
    }

    /// A retry wants to go: spend one token. `false` means the budget is
    /// exhausted and the caller must not retry (return the failure instead).
    pub fn try_withdraw(&self, now: Instant) -> bool {
        let mut bucket = self.lock(now);
        if bucket.tokens + ROUNDING_SLACK >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Locks the bucket and applies the time that passed since the last call:
    /// the floor trickles in while older tokens fade.
    fn lock(&self, now: Instant) -> MutexGuard<'_, Bucket> {
        // Recovering from poisoning is safe: a panic cannot leave a float
        // half written, and a slightly wrong balance is harmless.
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(updated) = bucket.updated {
            // `tokens` follows d(tokens)/dt = min_per_sec - tokens / lifetime,
            // whose exact solution moves it towards the quiet level by this
            // factor. Exact, so the result does not depend on how often we
            // are called.
            let elapsed = now.saturating_duration_since(updated).as_secs_f64();
            let kept = (-elapsed / TOKEN_LIFETIME.as_secs_f64()).exp();
            let quiet = quiet_level(self.min_per_sec);
            bucket.tokens = quiet + (bucket.tokens - quiet) * kept;
        }
        // Callers race, so `now` may be slightly older than `updated`; never
        // move the clock backwards.
        bucket.updated = Some(bucket.updated.map_or(now, |updated| updated.max(now)));
        bucket
    }
}

/// What the bucket settles at with no traffic: `TOKEN_LIFETIME` of the floor.
fn quiet_level(min_per_sec: f64) -> f64 {
    min_per_sec * TOKEN_LIFETIME.as_secs_f64()
}
// ANCHOR_END: retry_budget

#[cfg(test)]
mod tests {
    use super::*;

    /// How many retries the budget grants right now, bounded so a bug cannot
    /// loop forever.
    fn drain(budget: &RetryBudget, now: Instant) -> usize {
        (0..100_000)
            .take_while(|_| budget.try_withdraw(now))
            .count()
    }

    #[test]
    fn a_fresh_budget_allows_ten_seconds_of_the_floor() {
        let budget = RetryBudget::new(0.2, 10);
        assert_eq!(drain(&budget, Instant::now()), 100);
    }

    #[test]
    fn a_drained_idle_budget_refills_at_about_the_floor_rate() {
        let (budget, t0) = (RetryBudget::new(0.2, 10), Instant::now());
        drain(&budget, t0);
        let granted = drain(&budget, t0 + Duration::from_secs(1));
        assert!((9..=10).contains(&granted), "granted {granted}");
    }

    #[test]
    fn without_a_floor_nothing_is_allowed_before_any_request() {
        let budget = RetryBudget::new(0.2, 0);
        assert!(!budget.try_withdraw(Instant::now()));
    }

    #[test]
    fn retries_are_limited_to_the_ratio_of_requests() {
        let (budget, t0) = (RetryBudget::new(0.2, 0), Instant::now());
        // Every request fails and wants a retry, one request per millisecond.
        let mut granted = 0;
        let mut now = t0;
        for millis in 0..1000 {
            now = t0 + Duration::from_millis(millis);
            budget.record_request(now);
            granted += usize::from(budget.try_withdraw(now));
        }
        assert!((195..=200).contains(&granted), "granted {granted}");
        assert!(!budget.try_withdraw(now), "the budget is spent");
    }

    #[test]
    fn ten_deposits_of_a_tenth_buy_exactly_one_retry() {
        let (budget, t0) = (RetryBudget::new(0.1, 0), Instant::now());
        (0..10).for_each(|_| budget.record_request(t0));
        assert_eq!(drain(&budget, t0), 1);
    }

    #[test]
    fn a_long_quiet_period_does_not_bank_unlimited_retries() {
        let (budget, t0) = (RetryBudget::new(0.2, 10), Instant::now());
        // A busy spell banks 2000 tokens of ratio deposits...
        (0..10_000).for_each(|_| budget.record_request(t0));
        // ...which have faded after an hour of quiet, leaving 10 s of floor.
        let granted = drain(&budget, t0 + Duration::from_secs(3600));
        assert!((99..=100).contains(&granted), "granted {granted}");
    }

    #[test]
    fn invalid_ratios_deposit_nothing() {
        let t0 = Instant::now();
        for ratio in [f64::NAN, f64::INFINITY, -1.0] {
            let budget = RetryBudget::new(ratio, 0);
            (0..100).for_each(|_| budget.record_request(t0));
            assert!(!budget.try_withdraw(t0), "ratio {ratio}");
        }
    }
}
