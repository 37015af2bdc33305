//! Bounded polling: the one way a test waits for something that happens
//! later (an event applied, a breaker open, Redis reconnected, readiness
//! turned 503).
//!
//! A test cannot know when an asynchronous effect lands. A fixed sleep is too
//! short on a loaded CI machine and too long everywhere else; an unbounded
//! loop turns a missing dependency into a run that hangs until CI kills it,
//! without a word on what it was waiting for. [`eventually`] checks as often
//! as is cheap, returns as soon as the check passes, and after a bound fails
//! naming what it waited for and what it saw last. The testing chapter
//! (docs/src/testing.md, "The harness") shows it.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

/// How long a test waits by default: generous, because a loaded CI machine
/// is slow, and a passing test never waits that long.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Between two checks: short enough that a test waits barely longer than
/// the effect takes, long enough not to flood the service it asks.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// What one run of a check saw: the value the test waits for, or what was
/// there instead, for the failure message.
pub trait Observation {
    type Value;

    fn into_outcome(self) -> Result<Self::Value, String>;
}

/// `Some(value)` passes; `None` is "not yet".
impl<T> Observation for Option<T> {
    type Value = T;

    fn into_outcome(self) -> Result<T, String> {
        self.ok_or_else(|| "None".to_owned())
    }
}

/// `Ok(value)` passes; the last `Err` is shown when the wait gives up.
impl<T, E: std::fmt::Debug> Observation for Result<T, E> {
    type Value = T;

    fn into_outcome(self) -> Result<T, String> {
        self.map_err(|error| format!("{error:?}"))
    }
}

/// `true` passes.
impl Observation for bool {
    type Value = ();

    fn into_outcome(self) -> Result<(), String> {
        if self {
            Ok(())
        } else {
            Err("false".to_owned())
        }
    }
}

// ANCHOR: eventually
/// Runs `check` every 25 ms until it passes (`Some`, `Ok` or `true`) and
/// returns what it found. After `within` it panics, naming `what` and the
/// last observation (the last error, for a `Result`). A check that hangs
/// (a request to a server that never answers) is cut off at the bound too.
pub async fn eventually<O, F, Fut>(what: &str, within: Duration, mut check: F) -> O::Value
where
    O: Observation,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    let deadline = Instant::now() + within;
    let mut last = "no check finished".to_owned();
    loop {
        match tokio::time::timeout_at(deadline, check()).await {
            Ok(observation) => match observation.into_outcome() {
                Ok(value) => return value,
                Err(seen) => last = seen,
            },
            Err(_) => last = format!("{last}, then a check still running at the deadline"),
        }
        if Instant::now() >= deadline {
            panic!("timed out after {within:?} waiting for {what}; last observation: {last}");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
// ANCHOR_END: eventually

/// [`eventually`] for a condition that needs no `.await` (a flag, a
/// counter, a health state held in memory).
pub async fn eventually_true(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    eventually(what, within, || std::future::ready(condition())).await;
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    };

    use super::*;

    const SHORT: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn it_returns_the_value_once_the_check_passes() {
        let calls = Arc::new(AtomicU32::new(0));
        let value = eventually("the third call", PATIENCE, || {
            let calls = calls.clone();
            async move { (calls.fetch_add(1, Ordering::SeqCst) == 2).then_some("found") }
        })
        .await;

        assert_eq!(value, "found");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn it_returns_the_ok_value_of_a_result() {
        let value: u32 = eventually("a number", PATIENCE, || async { Ok::<_, String>(7) }).await;

        assert_eq!(value, 7);
    }

    #[tokio::test]
    #[should_panic(expected = "timed out after 200ms waiting for a flag that never rises")]
    async fn it_gives_up_after_the_bound_naming_what_it_waited_for() {
        eventually_true("a flag that never rises", SHORT, || false).await;
    }

    #[tokio::test]
    #[should_panic(expected = "last observation: \"connection refused (attempt 3)\"")]
    async fn it_reports_the_last_error() {
        let attempts = Arc::new(AtomicU32::new(0));

        eventually("Redis", SHORT, || {
            let attempts = attempts.clone();
            async move {
                // Stops counting at 3, so the last error is known.
                let attempt = (attempts.fetch_add(1, Ordering::SeqCst) + 1).min(3);
                Err::<(), _>(format!("connection refused (attempt {attempt})"))
            }
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "a check still running at the deadline")]
    async fn a_check_that_hangs_is_cut_off_at_the_bound() {
        eventually("an answer", SHORT, std::future::pending::<bool>).await;
    }

    #[tokio::test]
    async fn a_condition_that_becomes_true_ends_the_wait() {
        let started = Instant::now();
        eventually_true("50 ms to pass", PATIENCE, || started.elapsed() >= SHORT / 4).await;

        assert!(started.elapsed() < PATIENCE);
    }
}
