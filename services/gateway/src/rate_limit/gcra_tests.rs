//! GCRA's unit tests: the pure [`decide`] driven with exact times.
//!
//! They live beside `gcra.rs`, not inside it, and use only its public API,
//! so that they grade whichever GCRA is compiled: the gateway's, or a
//! learner's with the feature `kata-gcra` (katas/README.md).

use std::time::Duration;

use super::{
    RateLimitSettings,
    gcra::{GcraOutcome, GcraParams, decide},
};

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
