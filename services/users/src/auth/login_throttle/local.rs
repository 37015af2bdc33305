//! Failed-login counts kept in this process, for when Redis cannot be
//! reached. Without them a Redis outage would switch login throttling off,
//! and a guesser could try passwords at the gateway's rate for as long as
//! it lasts. With them each instance throttles on its own: N instances let
//! N times the limit through, which is looser than Redis, but bounded.

use std::time::{Duration, Instant};

use moka::{ops::compute::Op, sync::Cache};

/// Most keys remembered at once (about 100 bytes each: ~10 MB at most);
/// past it moka evicts, which only makes the limit more lenient.
const MAX_KEYS: u64 = 100_000;

/// A fixed window per key: when it started, and the attempts in it.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

#[derive(Debug, Clone)]
pub(super) struct LocalCounts {
    windows: Cache<String, Window>,
    length: Duration,
}

impl LocalCounts {
    pub(super) fn new(length: Duration) -> Self {
        Self {
            // An untouched key expires with its window: then it means the
            // same as no key.
            windows: Cache::builder()
                .max_capacity(MAX_KEYS)
                .time_to_live(length.max(Duration::from_secs(1)))
                .build(),
            length,
        }
    }

    /// Counts one attempt on `key`; the seconds left in its window when
    /// that makes it more than `limit`.
    pub(super) fn count(&self, key: &str, limit: u32) -> Option<u64> {
        self.count_at(key, limit, Instant::now())
    }

    /// [`Self::count`] at a given moment (the tests pass their own).
    fn count_at(&self, key: &str, limit: u32, now: Instant) -> Option<u64> {
        let mut counted = Window {
            started: now,
            attempts: 1,
        };
        // Under moka's per-key lock: two concurrent guesses cannot both read
        // the old count.
        self.windows
            .entry(key.to_owned())
            .and_compute_with(|entry| {
                if let Some(window) = entry.map(|entry| entry.into_value())
                    && now.duration_since(window.started) < self.length
                {
                    counted = Window {
                        attempts: window.attempts.saturating_add(1),
                        ..window
                    };
                }
                Op::Put(counted)
            });
        let left = self
            .length
            .saturating_sub(now.duration_since(counted.started));
        (counted.attempts > limit).then(|| left.as_secs().max(1))
    }

    /// A successful login: the account's key starts afresh, the address's
    /// only loses this attempt (see the Redis side for why).
    pub(super) fn give_back(&self, account_key: &str, address_key: Option<&str>) {
        self.windows.invalidate(account_key);
        if let Some(key) = address_key {
            self.windows
                .entry(key.to_owned())
                .and_compute_with(|entry| match entry {
                    Some(entry) => {
                        let window = entry.into_value();
                        Op::Put(Window {
                            attempts: window.attempts.saturating_sub(1),
                            ..window
                        })
                    }
                    None => Op::Nop,
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_a_key_waits_for_its_window_and_a_success_resets_the_account() {
        let counts = LocalCounts::new(Duration::from_secs(60));
        assert_eq!(counts.count("account", 2), None);
        assert_eq!(counts.count("account", 2), None);
        let wait = counts.count("account", 2).expect("over the limit");
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(counts.count("other", 2), None, "keys are counted apart");

        counts.give_back("account", None);
        assert_eq!(counts.count("account", 2), None);
    }

    #[test]
    fn a_window_that_ended_starts_a_new_count() {
        let counts = LocalCounts::new(Duration::from_millis(20));
        // Explicit instants: a loaded machine's pauses cannot move them.
        let start = Instant::now();
        assert_eq!(counts.count_at("k", 1, start), None);
        assert!(counts.count_at("k", 1, start).is_some());
        let later = start + Duration::from_millis(30);
        assert_eq!(counts.count_at("k", 1, later), None);
    }
}
