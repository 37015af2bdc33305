//! A circuit breaker per upstream instance; it is also the gateway's passive
//! health check. After `failure_threshold` consecutive failures the instance
//! is ejected (Open) and callers get an immediate refusal instead of waiting
//! for yet another timeout. Once `open_ms` has passed, one trial request is
//! let through (HalfOpen); its outcome re-admits the instance or ejects it
//! again for another `open_ms`.
//!
//! Time is passed in (`now`) rather than read from the clock, so tests drive
//! the state machine deterministically and never sleep (`breaker_tests.rs`,
//! beside this file). It is also a kata: `katas/breaker.rs` has the same API.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tracing::{info, warn};

use super::BreakerSettings;

/// What a breaker currently lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Healthy: every request goes through; consecutive failures are counted.
    Closed,
    /// Ejected: requests are refused at once until the open period ends.
    Open,
    /// Probing: one trial request at a time decides between Closed and Open.
    HalfOpen,
}

/// Why [`CircuitBreaker::admit`] let a request through.
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
    /// Names the instance in log lines (e.g. `users@10.0.0.7:8081`).
    name: String,
    failure_threshold: u32,
    open_for: Duration,
    // A std Mutex, not a tokio one: the critical sections are a few
    // comparisons and are never held across an `.await`.
    phase: Mutex<Phase>,
}

/// The state plus the facts each state needs; `Copy` so updates are single
/// assignments that a panic cannot leave half done.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Consecutive failures so far.
    Closed(u32),
    /// When it opened. Storing the start (not "open until") keeps the
    /// arithmetic overflow-free even for an absurd `open_ms`.
    Open(Instant),
    /// When the trial request went out, if one is out.
    HalfOpen(Option<Instant>),
}

impl CircuitBreaker {
    /// A closed breaker for the instance called `name`.
    pub fn new(name: impl Into<String>, settings: &BreakerSettings) -> Self {
        Self {
            name: name.into(),
            // `max(1)`: even unvalidated settings must not open on no failure.
            failure_threshold: settings.failure_threshold.max(1),
            open_for: Duration::from_millis(settings.open_ms),
            phase: Mutex::new(Phase::Closed(0)),
        }
    }

    /// May a request go to this instance now? `Ok(Admission::Normal)` when
    /// closed; `Ok(Admission::Trial)` for the single trial request in
    /// half-open; `Err(retry_in)` when open (or half-open with its trial
    /// already out), `retry_in` being the time until a trial would be admitted.
    pub fn admit(&self, now: Instant) -> Result<Admission, Duration> {
        let mut phase = self.lock(now);
        let admission = self.decide(*phase, now)?;
        if admission == Admission::Trial {
            *phase = Phase::HalfOpen(Some(now));
        }
        Ok(admission)
    }

    /// Would [`admit`](Self::admit) succeed? Does not take the trial slot, so
    /// the load balancer can filter candidates before picking one.
    pub fn is_available(&self, now: Instant) -> bool {
        self.decide(*self.lock(now), now).is_ok()
    }

    /// How long until [`admit`](Self::admit) would succeed; None if now.
    /// What a refused client is told in `Retry-After`.
    pub fn admit_in(&self, now: Instant) -> Option<Duration> {
        self.decide(*self.lock(now), now).err()
    }

    /// The state as of `now` (an expired open period reads as half-open).
    pub fn state(&self, now: Instant) -> BreakerState {
        match *self.lock(now) {
            Phase::Closed(_) => BreakerState::Closed,
            Phase::Open(_) => BreakerState::Open,
            Phase::HalfOpen(_) => BreakerState::HalfOpen,
        }
    }

    // ANCHOR: state_machine
    /// The instance answered well.
    pub fn record_success(&self, now: Instant) {
        let mut phase = self.lock(now);
        match *phase {
            Phase::Closed(_) => *phase = Phase::Closed(0),
            // A success while open comes from a request sent before the
            // breaker opened. We ignore it: the open period is a cool-down,
            // and letting stale answers cut it short would make the breaker
            // flap. Only what happens after the cool-down decides.
            Phase::Open(_) => {}
            // The trial (or a slow request that finished after the
            // cool-down) succeeded: the instance answers again.
            Phase::HalfOpen(_) => {
                *phase = Phase::Closed(0);
                info!(instance = %self.name, "circuit breaker closed: instance re-admitted");
            }
        }
    }

    /// The instance failed (connection error, timeout, 5xx).
    pub fn record_failure(&self, now: Instant) {
        let mut phase = self.lock(now);
        match *phase {
            Phase::Closed(failures) => {
                let failures = failures.saturating_add(1);
                if failures >= self.failure_threshold {
                    *phase = Phase::Open(now);
                    warn!(instance = %self.name, failures, "circuit breaker opened: instance ejected");
                } else {
                    *phase = Phase::Closed(failures);
                }
            }
            // Stale in-flight requests failing after the breaker opened tell
            // us nothing new; restarting the cool-down for each would keep a
            // recovered instance ejected for longer than `open_ms`.
            Phase::Open(_) => {}
            // Any failure while probing counts against the instance: we have
            // no proof it is healthy, so it sits out another open period.
            Phase::HalfOpen(_) => {
                *phase = Phase::Open(now);
                warn!(instance = %self.name, "trial request failed: circuit breaker reopened");
            }
        }
    }

    /// Locks the phase and applies the lazy Open -> HalfOpen transition, so
    /// no timer task is needed: the first caller after `open_ms` moves it.
    fn lock(&self, now: Instant) -> MutexGuard<'_, Phase> {
        // Recovering from poisoning is safe: every update is one assignment
        // of a `Copy` value, so no panic can leave a half-written phase.
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        if let Phase::Open(since) = *phase
            && now.saturating_duration_since(since) >= self.open_for
        {
            *phase = Phase::HalfOpen(None);
        }
        phase
    }

    /// Would a request be admitted in `phase` at `now`, and as what?
    fn decide(&self, phase: Phase, now: Instant) -> Result<Admission, Duration> {
        let waiting_since = match phase {
            Phase::Closed(_) => return Ok(Admission::Normal),
            Phase::HalfOpen(None) => return Ok(Admission::Trial),
            // Open: `lock` has already turned an expired one into HalfOpen.
            // HalfOpen with a trial out: a trial whose outcome never arrives
            // (the client went away) must not wedge the breaker, so after
            // `open_ms` another one goes.
            Phase::Open(since) | Phase::HalfOpen(Some(since)) => since,
        };
        let waited = now.saturating_duration_since(waiting_since);
        if waited >= self.open_for {
            Ok(Admission::Trial)
        } else {
            Err(self.open_for - waited)
        }
    }
    // ANCHOR_END: state_machine
}
