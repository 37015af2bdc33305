//! GCRA, the Generic Cell Rate Algorithm: a token bucket that stores one number.
//!
//! A token bucket refills at `requests / period` and holds at most `burst`
//! tokens. Storing "tokens left" and "last refill" per client needs two values
//! and a refill step. GCRA gets the same behaviour from one timestamp, the
//! **theoretical arrival time** (TAT): the moment at which this client's
//! bucket would be full again if it sent nothing more.
//!
//! - `T`, the *emission interval*, is `period / requests`: the time one request
//!   "costs". Every allowed request pushes the TAT `T` further into the future.
//! - `τ`, the *burst tolerance*, is `T × (burst − 1)`: how far ahead of the
//!   clock the TAT may already be when a request arrives. A full bucket
//!   (TAT ≤ now) can absorb `burst` requests in a row.
//!
//! A request at `now` is allowed when `max(TAT, now) − now ≤ τ`, equivalently
//! `new_tat − now ≤ τ + T` with `new_tat = max(TAT, now) + T`. The whole state
//! lives in one key, which makes an atomic Redis script short
//! (see `gcra.lua`, which runs these same steps in microseconds).
//!
//! This module is pure: no clock, no I/O. Time comes in as nanoseconds on any
//! monotonic scale, so the tests can drive it exactly.

use std::time::Duration;

use super::RateLimitSettings;

/// The two constants GCRA needs, derived from a class's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraParams {
    emission_interval_nanos: i64,
    burst_tolerance_nanos: i64,
}

impl GcraParams {
    /// `T = period / requests`, `τ = T × (burst − 1)`.
    ///
    /// Zero `requests` or `burst` are rejected by
    /// [`RateLimitSettings::validate`] at startup; here they count as 1 so this
    /// constructor cannot divide by zero. Large values saturate rather than wrap.
    pub fn from_settings(settings: &RateLimitSettings) -> Self {
        let period_nanos = u128::from(settings.period_secs) * 1_000_000_000;
        let interval = (period_nanos / u128::from(settings.requests.max(1))).max(1);
        let tolerance = interval * u128::from(settings.burst.max(1) - 1);
        Self {
            emission_interval_nanos: i64::try_from(interval).unwrap_or(i64::MAX),
            burst_tolerance_nanos: i64::try_from(tolerance).unwrap_or(i64::MAX),
        }
    }

    /// `T`: how long one request takes to earn back.
    pub fn emission_interval(&self) -> Duration {
        nanos_to_duration(self.emission_interval_nanos)
    }

    /// `τ`: how far ahead of the clock the TAT may run.
    pub fn burst_tolerance(&self) -> Duration {
        nanos_to_duration(self.burst_tolerance_nanos)
    }
}

/// What one request is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraOutcome {
    pub allowed: bool,
    /// Requests that would still pass right now, after this one.
    pub remaining: u32,
    /// Until the bucket is full again (the TAT minus now).
    pub reset_after: Duration,
    /// `Some` only when refused: until the next request would pass.
    pub retry_after: Option<Duration>,
}

// ANCHOR: gcra_decide
/// Decides one request and returns the TAT to store (`None`: store nothing).
///
/// Worked example: 2 requests per second with burst 3, so `T` = 500 ms and
/// `τ` = 1 000 ms. Three requests arrive at `now` = 0 on a fresh key:
///
/// | request | TAT before | `TAT − now` ≤ τ? | new TAT | remaining |
/// |---------|-----------:|-----------------:|--------:|----------:|
/// | 1       |          0 |        0 ≤ 1 000 |     500 |         2 |
/// | 2       |        500 |      500 ≤ 1 000 |   1 000 |         1 |
/// | 3       |      1 000 |    1 000 ≤ 1 000 |   1 500 |         0 |
/// | 4       |      1 500 |    1 500 > 1 000 | refused |         0 |
///
/// The 4th may retry once `TAT − now` drops to τ, i.e. after
/// `TAT − τ − now` = 500 ms (= `T`); the bucket is full after 1 500 ms.
pub fn decide(
    params: &GcraParams,
    stored_tat_nanos: Option<i64>,
    now_nanos: i64,
) -> (GcraOutcome, Option<i64>) {
    let interval = params.emission_interval_nanos;
    // A TAT in the past means a full bucket: unused time does not pile up
    // beyond `burst`, which is what clamping to `now` achieves.
    let tat = stored_tat_nanos.map_or(now_nanos, |tat| tat.max(now_nanos));
    // The earliest moment this request may pass (`new_tat − (τ + T)`).
    let allow_at = tat.saturating_sub(params.burst_tolerance_nanos);
    if now_nanos < allow_at {
        let outcome = GcraOutcome {
            allowed: false,
            remaining: 0,
            reset_after: nanos_to_duration(tat - now_nanos),
            retry_after: Some(nanos_to_duration(allow_at - now_nanos)),
        };
        return (outcome, None);
    }
    let new_tat = tat.saturating_add(interval);
    // Slack left before the next request would be refused, in whole requests.
    let remaining = (now_nanos.saturating_sub(allow_at)) / interval;
    let outcome = GcraOutcome {
        allowed: true,
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        reset_after: nanos_to_duration(new_tat - now_nanos),
        retry_after: None,
    };
    (outcome, Some(new_tat))
}
// ANCHOR_END: gcra_decide

fn nanos_to_duration(nanos: i64) -> Duration {
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    /// 2 requests per second, burst 3: T = 500 ms, τ = 1 000 ms.
    fn params() -> GcraParams {
        GcraParams::from_settings(&RateLimitSettings {
            requests: 2,
            period_secs: 1,
            burst: 3,
        })
    }

    /// Sends one request at `now`, keeping the TAT like a store would.
    fn send(tat: &mut Option<i64>, now: i64) -> GcraOutcome {
        let (outcome, new_tat) = decide(&params(), *tat, now);
        if new_tat.is_some() {
            *tat = new_tat;
        }
        outcome
    }

    #[test]
    fn params_follow_period_requests_and_burst() {
        assert_eq!(params().emission_interval(), Duration::from_millis(500));
        assert_eq!(params().burst_tolerance(), Duration::from_millis(1_000));
    }

    #[test]
    fn fresh_client_gets_exactly_burst_requests_then_a_refusal() {
        let mut tat = None;
        let allowed: Vec<bool> = (0..4).map(|_| send(&mut tat, 0).allowed).collect();
        assert_eq!(allowed, [true, true, true, false]);
    }

    #[test]
    fn remaining_counts_down_to_zero() {
        let mut tat = None;
        let remaining: Vec<u32> = (0..4).map(|_| send(&mut tat, 0).remaining).collect();
        assert_eq!(remaining, [2, 1, 0, 0]);
    }

    #[test]
    fn refusal_says_when_to_retry_and_allowed_requests_do_not() {
        let mut tat = None;
        for _ in 0..3 {
            assert_eq!(send(&mut tat, 0).retry_after, None);
        }
        let refused = send(&mut tat, 100 * MS);
        assert_eq!(refused.retry_after, Some(Duration::from_millis(400)));
    }

    #[test]
    fn refusal_does_not_consume_budget() {
        let mut tat = None;
        for _ in 0..3 {
            send(&mut tat, 0);
        }
        let before = tat;
        assert!(!send(&mut tat, 0).allowed);
        assert_eq!(tat, before);
    }

    #[test]
    fn one_more_request_passes_after_one_emission_interval() {
        let mut tat = None;
        for _ in 0..3 {
            send(&mut tat, 0);
        }
        assert!(!send(&mut tat, 499 * MS).allowed);
        let later = send(&mut tat, 500 * MS);
        assert!(later.allowed);
        assert_eq!(later.remaining, 0);
        assert!(!send(&mut tat, 500 * MS).allowed);
    }

    #[test]
    fn reset_after_is_the_time_until_the_bucket_is_full() {
        let mut tat = None;
        assert_eq!(send(&mut tat, 0).reset_after, Duration::from_millis(500));
        assert_eq!(send(&mut tat, 0).reset_after, Duration::from_millis(1_000));
        assert_eq!(send(&mut tat, 0).reset_after, Duration::from_millis(1_500));
        assert_eq!(
            send(&mut tat, 200 * MS).reset_after,
            Duration::from_millis(1_300)
        );
    }

    #[test]
    fn idle_time_refills_to_burst_and_no_further() {
        let mut tat = None;
        for _ in 0..3 {
            send(&mut tat, 0);
        }
        let after_long_idle = 3_600_000 * MS;
        let allowed = (0..4)
            .filter(|_| send(&mut tat, after_long_idle).allowed)
            .count();
        assert_eq!(allowed, 3);
    }

    #[test]
    fn burst_of_one_allows_one_request_per_interval() {
        let params = GcraParams::from_settings(&RateLimitSettings {
            requests: 10,
            period_secs: 1,
            burst: 1,
        });
        let (first, tat) = decide(&params, None, 0);
        let (second, _) = decide(&params, tat, 0);
        let (third, _) = decide(&params, tat, 100 * MS);
        assert_eq!((first.allowed, first.remaining), (true, 0));
        assert_eq!(second.retry_after, Some(Duration::from_millis(100)));
        assert!(third.allowed);
    }
}
