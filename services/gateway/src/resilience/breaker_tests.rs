//! The circuit breaker's unit tests: its state machine, driven by adding
//! durations to one `Instant`.
//!
//! They live beside `breaker.rs`, not inside it, and use only its public
//! API, so that they grade whichever breaker is compiled: the gateway's, or
//! a learner's with the feature `kata-breaker` (katas/README.md).

use std::time::{Duration, Instant};

use super::{Admission, BreakerSettings, BreakerState, CircuitBreaker};

const OPEN: Duration = Duration::from_millis(5000);

fn breaker() -> CircuitBreaker {
    CircuitBreaker::new("users@test", &BreakerSettings::default())
}

/// A breaker just opened by three failures, and when that happened.
fn opened() -> (CircuitBreaker, Instant) {
    let (breaker, t0) = (breaker(), Instant::now());
    (0..3).for_each(|_| breaker.record_failure(t0));
    (breaker, t0)
}

/// A breaker whose trial request went out at the returned instant.
fn with_trial_out() -> (CircuitBreaker, Instant) {
    let (breaker, t0) = opened();
    assert_eq!(breaker.admit(t0 + OPEN), Ok(Admission::Trial));
    (breaker, t0 + OPEN)
}

#[test]
fn opens_exactly_at_the_failure_threshold() {
    let (breaker, t0) = (breaker(), Instant::now());
    breaker.record_failure(t0);
    breaker.record_failure(t0);
    assert_eq!(breaker.state(t0), BreakerState::Closed);
    assert_eq!(breaker.admit(t0), Ok(Admission::Normal));
    breaker.record_failure(t0);
    assert_eq!(breaker.state(t0), BreakerState::Open);
}

#[test]
fn a_success_resets_the_consecutive_failure_count() {
    let (breaker, t0) = (breaker(), Instant::now());
    breaker.record_failure(t0);
    breaker.record_failure(t0);
    breaker.record_success(t0);
    breaker.record_failure(t0);
    breaker.record_failure(t0);
    assert_eq!(breaker.state(t0), BreakerState::Closed);
}

#[test]
fn an_open_breaker_refuses_with_the_time_until_a_trial() {
    let (breaker, t0) = opened();
    let later = t0 + Duration::from_millis(1200);
    assert_eq!(breaker.admit(later), Err(Duration::from_millis(3800)));
    assert!(!breaker.is_available(later));
}

#[test]
fn after_the_open_period_exactly_one_trial_is_admitted() {
    let (breaker, t0) = opened();
    let t1 = t0 + OPEN;
    assert_eq!(breaker.state(t1), BreakerState::HalfOpen);
    assert!(breaker.is_available(t1), "checking must not take the slot");
    assert_eq!(breaker.admit(t1), Ok(Admission::Trial));
    let t2 = t1 + Duration::from_millis(1000);
    assert_eq!(breaker.admit(t2), Err(Duration::from_millis(4000)));
    assert!(!breaker.is_available(t2));
}

#[test]
fn a_successful_trial_closes_the_breaker() {
    let (breaker, t1) = with_trial_out();
    breaker.record_success(t1);
    assert_eq!(breaker.state(t1), BreakerState::Closed);
    assert_eq!(breaker.admit(t1), Ok(Admission::Normal));
}

#[test]
fn a_failed_trial_reopens_for_another_open_period() {
    let (breaker, t1) = with_trial_out();
    breaker.record_failure(t1);
    assert_eq!(breaker.admit(t1), Err(OPEN));
    assert_eq!(breaker.admit(t1 + OPEN), Ok(Admission::Trial));
}

#[test]
fn an_abandoned_trial_does_not_wedge_the_breaker() {
    let (breaker, t1) = with_trial_out();
    // No outcome is ever recorded for that trial.
    assert!(breaker.admit(t1 + OPEN / 2).is_err());
    assert_eq!(breaker.admit(t1 + OPEN), Ok(Admission::Trial));
}

#[test]
fn stale_outcomes_recorded_while_open_are_ignored() {
    let (breaker, t0) = opened();
    let t1 = t0 + Duration::from_millis(1000);
    breaker.record_success(t1);
    breaker.record_failure(t1);
    assert_eq!(breaker.state(t1), BreakerState::Open);
    // The stale failure did not restart the cool-down.
    assert_eq!(breaker.admit(t1), Err(Duration::from_millis(4000)));
}
