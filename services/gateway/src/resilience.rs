//! Resilience: the pure building blocks the proxy uses so that a sick upstream
//! costs as little as possible. The proxy owns the timeouts and the retry loop;
//! this module only decides, and never reads the clock or sleeps: every
//! function takes `now`, which keeps the tests deterministic. Depends on
//! nothing else in the gateway. The ideas are explained in the book's
//! Algorithms chapter (docs/src/algorithms.md).
//!
//! | part | role |
//! |---|---|
//! | [`CircuitBreaker`] | one per upstream instance: after consecutive failures it ejects the instance, so callers get a fast 503 instead of piling up timeouts; after a cool-down one trial request decides whether to re-admit it. This is also the passive health check. |
//! | [`Backoff`] | how long to wait before a retry: exponential, with full jitter so that clients that failed together do not retry together |
//! | [`RetryBudget`] | whether a retry may go at all: retries may add only a share (20 % by default) on top of ordinary traffic |
//! | [`BreakerSettings`], [`RetrySettings`] | their configuration: one section for the breakers, one for backoff and budget |
//!
//! ## Why retries need a budget
//!
//! A retry is extra load sent exactly when an upstream is struggling. With 2
//! retries per request, an upstream that fails everything sees 3 times its
//! normal traffic, and every layer that retries multiplies again (3 layers:
//! 27 times). The extra load keeps it down: a retry storm. Backoff only
//! spreads the extra load over time; a budget caps it. When the budget is
//! spent, the gateway returns the failure instead of retrying, and the
//! upstream sees about 1.2 times its normal traffic at most (plus a small
//! floor of retries per second, so that a quiet upstream can still be retried).
//!
//! Retries are also only safe for idempotent methods (GET, PUT, DELETE...):
//! retrying a POST whose response was lost could create the thing twice. The
//! exception is a connection that could not be opened: nothing was sent, so
//! any method may go to another instance (if its body can be sent again:
//! small bodies are read whole first, see `max_resendable_body_bytes`). The
//! proxy checks all that before it asks the budget.

// fork:begin(katas)
// With the feature `kata-breaker` the breaker is a learner's file instead
// (katas/README.md); its tests are a sibling module, so that they test
// whichever implementation is compiled, through its public API only.
#[cfg_attr(feature = "kata-breaker", path = "../../../katas/breaker.rs")]
// fork:end(katas)
mod breaker;
#[cfg(test)]
mod breaker_tests;
mod retry_budget;

use std::time::Duration;

use serde::{Deserialize, Serialize};

// Shared with the outbox relay and the worker, so it lives in platform.
pub use breaker::{Admission, BreakerState, CircuitBreaker};
pub use capstone_platform::backoff::Backoff;
pub use retry_budget::RetryBudget;

/// When a [`CircuitBreaker`] opens and how long it stays open (one set of
/// values for every instance of an upstream).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Consecutive failures that open the breaker (eject the instance). Default 3.
    pub failure_threshold: u32,
    /// How long an open breaker refuses before letting one trial through, ms. Default 5000.
    pub open_ms: u64,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failure_threshold: 3,
            open_ms: 5000,
        }
    }
}

impl BreakerSettings {
    /// Rejects values that would turn the breaker off by accident: a threshold
    /// of 0 would open on no evidence, an `open_ms` of 0 would never refuse.
    pub fn validate(&self) -> Result<(), InvalidBreaker> {
        if self.failure_threshold == 0 {
            return Err(InvalidBreaker::ZeroFailureThreshold);
        }
        if self.open_ms == 0 {
            return Err(InvalidBreaker::ZeroOpenTime);
        }
        Ok(())
    }
}

/// How the proxy retries failed idempotent requests.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySettings {
    /// Retries after the first attempt, at most; 0 turns retries off. Default 2.
    pub max_retries: u32,
    /// Backoff window of the first retry, ms; it doubles per retry. Default 25.
    pub base_delay_ms: u64,
    /// Largest backoff window, ms. Default 250.
    pub max_delay_ms: u64,
    /// Share of ordinary traffic that retries may add (0.2 = 20 %). Default 0.2.
    pub budget_ratio: f64,
    /// Retries per second allowed whatever the traffic, so a quiet upstream
    /// can still be retried. Default 10.
    pub budget_min_per_sec: u32,
    /// Request bodies up to this size (by their `Content-Length`) are read
    /// whole before forwarding, so that the request can go to another
    /// instance when none was sent; larger or chunked bodies stream through
    /// and are never sent twice. 0: stream every body. Default 65536.
    pub max_resendable_body_bytes: u64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay_ms: 25,
            max_delay_ms: 250,
            budget_ratio: 0.2,
            budget_min_per_sec: 10,
            max_resendable_body_bytes: 64 * 1024,
        }
    }
}

impl RetrySettings {
    /// The backoff these settings describe.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            base: Duration::from_millis(self.base_delay_ms),
            max: Duration::from_millis(self.max_delay_ms),
        }
    }

    /// A fresh retry budget with these settings (one per upstream service, so
    /// one failing service cannot spend the others' retries).
    pub fn budget(&self) -> RetryBudget {
        RetryBudget::new(self.budget_ratio, self.budget_min_per_sec)
    }

    /// Rejects settings that are surely a mistake, with a message naming the
    /// field, so that startup fails instead of the gateway misbehaving.
    pub fn validate(&self) -> Result<(), InvalidRetry> {
        if self.base_delay_ms > self.max_delay_ms {
            return Err(InvalidRetry::BaseDelayAboveMax {
                base_delay_ms: self.base_delay_ms,
                max_delay_ms: self.max_delay_ms,
            });
        }
        // Above 1, retries could more than double the load: no longer a budget.
        if !(0.0..=1.0).contains(&self.budget_ratio) {
            return Err(InvalidRetry::BudgetRatio(self.budget_ratio));
        }
        Ok(())
    }
}

/// Why [`BreakerSettings`] were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBreaker {
    #[error("breaker.failure_threshold must be at least 1")]
    ZeroFailureThreshold,
    #[error("breaker.open_ms must be at least 1")]
    ZeroOpenTime,
}

/// Why [`RetrySettings`] were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidRetry {
    #[error(
        "retry.base_delay_ms ({base_delay_ms}) must not exceed retry.max_delay_ms ({max_delay_ms})"
    )]
    BaseDelayAboveMax {
        base_delay_ms: u64,
        max_delay_ms: u64,
    },
    #[error("retry.budget_ratio ({0}) must be between 0 and 1")]
    BudgetRatio(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_are_valid() {
        assert_eq!(RetrySettings::default().validate(), Ok(()));
        assert_eq!(BreakerSettings::default().validate(), Ok(()));
    }

    #[test]
    fn settings_validation_rejects_zero_values() {
        let zero_threshold = BreakerSettings {
            failure_threshold: 0,
            ..BreakerSettings::default()
        };
        assert!(zero_threshold.validate().is_err());
        let zero_open = BreakerSettings {
            open_ms: 0,
            ..BreakerSettings::default()
        };
        assert!(zero_open.validate().is_err());
    }

    #[test]
    fn validation_rejects_a_base_delay_above_the_max() {
        let settings = RetrySettings {
            base_delay_ms: 300,
            ..RetrySettings::default()
        };
        assert!(settings.validate().is_err());
    }

    #[test]
    fn validation_rejects_ratios_outside_zero_to_one() {
        for budget_ratio in [-0.1, 1.5, f64::NAN] {
            let settings = RetrySettings {
                budget_ratio,
                ..RetrySettings::default()
            };
            assert!(settings.validate().is_err(), "ratio {budget_ratio}");
        }
    }

    #[test]
    fn backoff_uses_the_configured_delays() {
        let backoff = RetrySettings::default().backoff();
        assert_eq!(backoff.base, Duration::from_millis(25));
        assert_eq!(backoff.max, Duration::from_millis(250));
    }

    #[test]
    fn shared_pieces_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CircuitBreaker>();
        assert_send_sync::<RetryBudget>();
    }
}
