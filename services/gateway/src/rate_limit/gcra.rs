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
//! monotonic scale, so the tests (`gcra_tests.rs`, beside this file) can
//! drive it exactly. It is also a kata: `katas/gcra.rs` has the same API.

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
