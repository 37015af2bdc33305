//! Kata: GCRA, the Generic Cell Rate Algorithm. Write the bodies below.
//!
//! With the feature `kata-gcra` this file replaces the gateway's
//! `rate_limit::gcra` module: the in-process limiter (used while Redis is
//! down) decides with your [`decide`], and every rate-limit class gets its
//! `T` and `τ` from your [`GcraParams`], the Redis script included. Grade it
//! with `bash katas/grade.sh gcra`; the tests that grade it are in
//! `services/gateway/src/rate_limit/gcra_tests.rs`, and the algorithm is
//! explained in the book (docs/src/algorithms.md, "GCRA rate limiting").
//!
//! A token bucket refills at `requests / period` and holds `burst` tokens.
//! GCRA gets the same behaviour from one timestamp per client, the
//! **theoretical arrival time** (TAT): when the bucket would be full again
//! if the client sent nothing more.
//!
//! - `T`, the *emission interval*, is `period / requests`: what one request
//!   costs. Every allowed request pushes the TAT `T` further ahead.
//! - `τ`, the *burst tolerance*, is `T × (burst − 1)`: how far ahead of the
//!   clock the TAT may already be when a request arrives.
//!
//! Keep it pure: no clock, no I/O. Time comes in as nanoseconds (`i64`) on
//! any monotonic scale, so the tests can drive it exactly.

// Your parameters are unused until you write the bodies: delete this line
// once you have, and the compiler will point at any you forgot.
#![allow(unused_variables)]

use std::time::Duration;

use super::RateLimitSettings;

/// The two constants GCRA needs, derived from a class's limit: the emission
/// interval `T` and the burst tolerance `τ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraParams {
    // Your fields: what `from_settings` computes and `decide` needs.
    // Nanoseconds in `i64` keep `decide`'s arithmetic exact.
}

impl GcraParams {
    /// `T = period / requests`, `τ = T × (burst − 1)`, to the nanosecond.
    ///
    /// Zero `requests` or `burst` are rejected by
    /// [`RateLimitSettings::validate`] at startup, but this constructor must
    /// not divide by zero anyway: count them as 1. `T` is at least one
    /// nanosecond. Values too large for your fields saturate, never wrap
    /// (`validate` calls this on settings it is about to refuse).
    pub fn from_settings(settings: &RateLimitSettings) -> Self {
        unimplemented!("kata gcra: GcraParams::from_settings (katas/gcra.rs)")
    }

    /// `T`: how long one request takes to earn back.
    pub fn emission_interval(&self) -> Duration {
        unimplemented!("kata gcra: GcraParams::emission_interval (katas/gcra.rs)")
    }

    /// `τ`: how far ahead of the clock the TAT may run.
    pub fn burst_tolerance(&self) -> Duration {
        unimplemented!("kata gcra: GcraParams::burst_tolerance (katas/gcra.rs)")
    }
}

/// What one request is told. (Given: the rest of the gateway reads these
/// fields to write the `RateLimit-*` and `Retry-After` headers.)
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

// ANCHOR: stub_decide
/// Decides one request at `now_nanos` and returns the TAT to store
/// (`None`: store nothing).
///
/// - `stored_tat_nanos` is what the previous allowed request returned, or
///   `None` for a client never seen (or forgotten: a full bucket). A TAT
///   in the past also means a full bucket: idle time refills it up to
///   `burst`, never beyond.
/// - Allowed when the TAT (at least `now`) is no more than `τ` ahead of
///   `now`. Then the new TAT is that TAT plus `T`; `remaining` is how many
///   more requests would pass at this same instant (whole requests,
///   rounded down); `reset_after` is the new TAT minus `now`;
///   `retry_after` is `None`.
/// - Refused otherwise, and a refusal costs nothing: return `None` as the
///   TAT to store. `remaining` is 0, `reset_after` the stored TAT minus
///   `now`, and `retry_after` the wait until this request would have
///   passed (the moment the TAT is exactly `τ` ahead).
///
/// Worked example: 2 requests per second with burst 3, so `T` = 500 ms and
/// `τ` = 1 000 ms. Three requests at `now` = 0 on a fresh key are allowed
/// with `remaining` 2, 1, 0 and `reset_after` 500, 1 000, 1 500 ms; a
/// fourth at 100 ms is refused with `retry_after` 400 ms.
pub fn decide(
    params: &GcraParams,
    stored_tat_nanos: Option<i64>,
    now_nanos: i64,
) -> (GcraOutcome, Option<i64>) {
    unimplemented!("kata gcra: decide (katas/gcra.rs)")
}
// ANCHOR_END: stub_decide
