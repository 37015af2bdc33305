//! Kata: the circuit breaker of one upstream instance. Write the bodies
//! below.
//!
//! With the feature `kata-breaker` this file replaces the gateway's
//! `resilience::breaker` module: every upstream instance gets your
//! [`CircuitBreaker`], and the load balancer and the proxy ask it before
//! and tell it after every request. Grade it with
//! `bash katas/grade.sh breaker`; the tests that grade it are in
//! `services/gateway/src/resilience/breaker_tests.rs`, and the state machine
//! is explained in the book (docs/src/algorithms.md, "The circuit breaker's
//! state machine").
//!
//! After `failure_threshold` consecutive failures the instance is ejected
//! (Open) and callers are refused at once instead of waiting for yet another
//! timeout. Once `open_ms` has passed, one trial request is let through
//! (HalfOpen); its outcome re-admits the instance (Closed) or ejects it again
//! for another `open_ms`.
//!
//! Time is passed in (`now`), never read from the clock: the tests move it
//! by adding durations. One breaker is shared by every request to its
//! instance, on every worker thread, so every method takes `&self` and the
//! type must be `Send + Sync`: keep the state behind a `std::sync::Mutex`
//! (the critical sections are a few comparisons, never held across an
//! `.await`). No timer task: a transition that is due happens when the next
//! caller looks.

// Your parameters are unused until you write the bodies: delete this line
// once you have, and the compiler will point at any you forgot.
#![allow(unused_variables)]

use std::time::{Duration, Instant};

use super::BreakerSettings;

/// What a breaker currently lets through. (Given: the gateway's metrics and
/// tests read it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Healthy: every request goes through; consecutive failures are counted.
    Closed,
    /// Ejected: requests are refused at once until the open period ends.
    Open,
    /// Probing: one trial request at a time decides between Closed and Open.
    HalfOpen,
}

/// Why [`CircuitBreaker::admit`] let a request through. (Given.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The breaker is closed: an ordinary request.
    Normal,
    /// The single probe of a half-open breaker; its outcome decides the state.
    Trial,
}

/// The breaker of one upstream instance. Shared by every request to that
/// instance, hence `Send + Sync`.
#[derive(Debug)]
pub struct CircuitBreaker {
    // Your fields: the instance's name (for log lines), the threshold and
    // the open period from the settings, and the state behind a Mutex.
}

impl CircuitBreaker {
    /// A closed breaker for the instance called `name`. A
    /// `failure_threshold` of 0 counts as 1: even unvalidated settings must
    /// not open on no failure.
    pub fn new(name: impl Into<String>, settings: &BreakerSettings) -> Self {
        unimplemented!("kata breaker: CircuitBreaker::new (katas/breaker.rs)")
    }

    /// May a request go to this instance now?
    ///
    /// - Closed: `Ok(Admission::Normal)`.
    /// - Open, before `open_ms` has passed since it opened: `Err(retry_in)`,
    ///   the time left until then.
    /// - Open for `open_ms` or more, or half-open with no trial out:
    ///   `Ok(Admission::Trial)`, and this request is now the trial that is
    ///   out (sent at `now`).
    /// - Half-open with a trial out: `Err(retry_in)`, the time until
    ///   `open_ms` has passed since that trial went out. A trial whose
    ///   outcome never arrives (the client went away) must not wedge the
    ///   breaker: after `open_ms` another trial goes.
    pub fn admit(&self, now: Instant) -> Result<Admission, Duration> {
        unimplemented!("kata breaker: CircuitBreaker::admit (katas/breaker.rs)")
    }

    /// Would [`admit`](Self::admit) succeed? Must not take the trial slot:
    /// the load balancer asks this of every instance before it picks one.
    pub fn is_available(&self, now: Instant) -> bool {
        unimplemented!("kata breaker: CircuitBreaker::is_available (katas/breaker.rs)")
    }

    /// How long until [`admit`](Self::admit) would succeed; `None` if now.
    /// What a refused client is told in `Retry-After`. Takes nothing.
    pub fn admit_in(&self, now: Instant) -> Option<Duration> {
        unimplemented!("kata breaker: CircuitBreaker::admit_in (katas/breaker.rs)")
    }

    /// The state as of `now`: an open breaker whose `open_ms` has passed
    /// reads as half-open.
    pub fn state(&self, now: Instant) -> BreakerState {
        unimplemented!("kata breaker: CircuitBreaker::state (katas/breaker.rs)")
    }

    /// The instance answered well. Closed: the consecutive failures start
    /// again from 0. Half-open: the instance is back, closed. Open: ignored,
    /// the answer comes from a request sent before the breaker opened, and
    /// stale answers must not cut the cool-down short.
    pub fn record_success(&self, now: Instant) {
        unimplemented!("kata breaker: CircuitBreaker::record_success (katas/breaker.rs)")
    }

    /// The instance failed (connection error, timeout, 5xx). Closed: one
    /// more consecutive failure; at `failure_threshold` the breaker opens
    /// (at `now`). Half-open: any failure reopens it for another `open_ms`
    /// from `now`. Open: ignored, and it does not restart the cool-down.
    pub fn record_failure(&self, now: Instant) {
        unimplemented!("kata breaker: CircuitBreaker::record_failure (katas/breaker.rs)")
    }
}
