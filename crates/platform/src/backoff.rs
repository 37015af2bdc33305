//! How long to wait before retrying: exponential backoff with "full jitter".

use std::time::Duration;

// ANCHOR: backoff
/// Exponential backoff with full jitter.
///
/// Backing off exponentially gives a struggling upstream room to recover. The
/// jitter matters as much: when an upstream hiccups, many requests fail at the
/// same moment, and with a fixed schedule they would all retry at the same
/// moment too, hitting it in synchronised waves. Picking the delay uniformly
/// in `[0, cap]` ("full jitter", from the AWS Architecture Blog's "Exponential
/// Backoff and Jitter") spreads those retries evenly over the window.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The window of the first retry; it doubles for each later retry.
    pub base: Duration,
    /// The largest window, however many retries came before.
    pub max: Duration,
}

impl Backoff {
    /// Delay before retry number `retry` (0 = first retry): "full jitter",
    /// uniform in `[0, min(max, base * 2^retry)]`, `unit_random` in `[0, 1)`.
    /// Values of `unit_random` outside that range are clamped, NaN counts as 0.
    pub fn delay(&self, retry: u32, unit_random: f64) -> Duration {
        let cap = self.cap(retry);
        let fraction = if unit_random.is_nan() {
            0.0
        } else {
            unit_random.clamp(0.0, 1.0)
        };
        // `try_from_secs_f64` rather than `mul_f64`: float rounding near
        // `Duration::MAX` must not panic; `min` keeps the result within `cap`.
        Duration::try_from_secs_f64(cap.as_secs_f64() * fraction)
            .map_or(cap, |delay| delay.min(cap))
    }

    /// [`delay`](Self::delay) with a fresh random number.
    pub fn random_delay(&self, retry: u32) -> Duration {
        self.delay(retry, fastrand::f64())
    }

    /// `min(max, base * 2^retry)` without overflowing for large `retry`.
    fn cap(&self, retry: u32) -> Duration {
        1u32.checked_shl(retry)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.max, |window| window.min(self.max))
    }
}
// ANCHOR_END: backoff

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_millis(25),
        max: Duration::from_millis(250),
    };

    #[test]
    fn the_window_doubles_with_each_retry() {
        let windows: Vec<_> = (0..4).map(|retry| BACKOFF.delay(retry, 0.5)).collect();
        let expected = [12_500, 25_000, 50_000, 100_000].map(Duration::from_micros);
        assert_eq!(windows, expected);
    }

    #[test]
    fn the_window_is_capped_at_max() {
        assert_eq!(BACKOFF.delay(4, 1.0), Duration::from_millis(250));
        assert_eq!(BACKOFF.delay(10, 1.0), Duration::from_millis(250));
    }

    #[test]
    fn random_delays_stay_within_the_window() {
        for retry in 0..6 {
            let cap = BACKOFF.cap(retry);
            for _ in 0..200 {
                assert!(BACKOFF.random_delay(retry) <= cap);
            }
        }
    }

    #[test]
    fn out_of_range_random_numbers_are_clamped() {
        assert_eq!(BACKOFF.delay(0, -3.0), Duration::ZERO);
        assert_eq!(BACKOFF.delay(0, f64::NAN), Duration::ZERO);
        assert_eq!(BACKOFF.delay(0, 7.0), Duration::from_millis(25));
    }

    #[test]
    fn large_retry_numbers_do_not_overflow() {
        assert_eq!(BACKOFF.delay(64, 1.0), Duration::from_millis(250));
        assert_eq!(BACKOFF.delay(u32::MAX, 1.0), Duration::from_millis(250));
        let unbounded = Backoff {
            base: Duration::from_secs(1),
            max: Duration::MAX,
        };
        assert_eq!(unbounded.delay(31, 1.0), Duration::from_secs(1 << 31));
        // With no cap at all, retry 64 gets the whole of `Duration::MAX`.
        assert!(unbounded.delay(64, 0.5) > Duration::from_secs(1 << 62));
        assert_eq!(unbounded.delay(64, 1.0), Duration::MAX);
    }
}
