//! Login throttling: too many failed logins for one account, or from one
//! address, within a window, and further attempts get 429 until it passes.
//!
//! Counters live in Redis so every instance of the service sees the same
//! count (an in-process counter would give an attacker N times the budget
//! behind a load balancer). Each counter is one key with a TTL: the first
//! attempt creates it and starts the window; Redis deletes it when the
//! window ends.
//!
//! Every attempt is counted *before* the password is checked, each counter
//! in one atomic script: checking first and counting failures afterwards
//! would let a burst of concurrent guesses all pass the check before any
//! failure is recorded.
//! A successful login then takes its attempt back: it deletes the account's
//! counter and decrements the address's (which is not reset: otherwise one
//! valid account would let a credential-stuffing run from that address reset
//! its own budget).
//!
//! If Redis is unreachable, each instance counts in its own memory instead
//! (`local`): refusing every login because a counter store is down would
//! turn a Redis outage into a full authentication outage, and not counting
//! at all would switch throttling off for as long as the outage lasts.

mod local;

use std::{net::IpAddr, time::Duration};

use capstone_platform::{client_address::limit_key, redis::LazyRedis};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `[users.auth.login_throttle]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginThrottleSettings {
    /// Failures allowed for one account within the window.
    pub max_failures_per_account: u32,
    /// Failures allowed from one address within the window. Higher than the
    /// account limit: many people can share one address (offices, mobile
    /// carriers' NAT).
    pub max_failures_per_address: u32,
    pub window_secs: u64,
}

impl Default for LoginThrottleSettings {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            window_secs: 15 * 60,
        }
    }
}

/// Counts failed logins in Redis (in-process while Redis is unreachable).
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    redis: LazyRedis,
    settings: LoginThrottleSettings,
    fallback: local::LocalCounts,
    /// Compiled once: the client sends their SHA1 (EVALSHA) after the first use.
    count_attempt_script: redis::Script,
    give_back_script: redis::Script,
}

/// Gives back one attempt on the address key, unless its window has ended
/// (a plain DECR would recreate an expired key at -1, with no TTL).
const GIVE_BACK_ATTEMPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end
return 0
";

/// Counts one attempt on one counter (its first attempt starts its window,
/// ARGV[1] seconds) and answers how long to wait if it is now over its limit
/// (ARGV[2]), or 0. A script, so it is atomic: two commands could leave the
/// key without a TTL, which would be a lockout forever. One key per call:
/// the account's and the address's counters hash to different slots of a
/// Redis Cluster, which refuses a script that touches both (CROSSSLOT).
const COUNT_ATTEMPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count > tonumber(ARGV[2]) then return redis.call('TTL', KEYS[1]) end
return 0
";

impl LoginThrottle {
    pub fn new(redis: LazyRedis, settings: LoginThrottleSettings) -> Self {
        Self {
            redis,
            fallback: local::LocalCounts::new(Duration::from_secs(settings.window_secs)),
            settings,
            count_attempt_script: redis::Script::new(COUNT_ATTEMPT),
            give_back_script: redis::Script::new(GIVE_BACK_ATTEMPT),
        }
    }

    // ANCHOR: check
    /// Counts this attempt. `Some(seconds)` to wait when the account or the
    /// address is over its limit, `None` to go ahead.
    pub async fn count_attempt(&self, email: &str, address: Option<IpAddr>) -> Option<u64> {
        let keys = self.keys(email, address);
        let outcome = self
            .redis
            .run(async |connection| {
                // The account's counter, then the address's: the longest wait.
                let mut wait = 0;
                for (key, limit) in keys.iter().zip(self.limits()) {
                    let key_wait: i64 = self
                        .count_attempt_script
                        .key(key)
                        .arg(self.settings.window_secs)
                        .arg(limit)
                        .invoke_async(connection)
                        .await?;
                    wait = wait.max(key_wait);
                }
                Ok(wait)
            })
            .await;
        match outcome {
            Ok(wait) if wait > 0 => Some(wait.unsigned_abs()),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "Redis unavailable: login attempts counted in this instance");
                self.count_locally(&keys)
            }
        }
    }
    // ANCHOR_END: check

    /// A successful login takes its attempt back: the account starts afresh,
    /// the address only loses this one attempt.
    pub async fn succeeded(&self, email: &str, address: Option<IpAddr>) {
        let keys = self.keys(email, address);
        let outcome = self
            .redis
            .run(async |connection| {
                redis::cmd("DEL")
                    .arg(&keys[0])
                    .query_async::<()>(connection)
                    .await?;
                if let Some(address_key) = keys.get(1) {
                    self.give_back_script
                        .key(address_key)
                        .invoke_async::<i64>(connection)
                        .await?;
                }
                Ok(())
            })
            .await;
        if let Err(error) = outcome {
            tracing::warn!(%error, "login counters not reset in Redis; resetting this instance's");
        }
        // Both, whatever happened: counts made locally during an outage are
        // given back as well once Redis answers again.
        self.fallback
            .give_back(&keys[0], keys.get(1).map(String::as_str));
    }

    /// The local count for `keys` (account first, then address): the
    /// longest wait among those now over their limit.
    fn count_locally(&self, keys: &[String]) -> Option<u64> {
        keys.iter()
            .zip(self.limits())
            .filter_map(|(key, limit)| self.fallback.count(key, limit))
            .max()
    }

    /// The limits of the keys `keys` makes, in its order.
    fn limits(&self) -> [u32; 2] {
        [
            self.settings.max_failures_per_account,
            self.settings.max_failures_per_address,
        ]
    }

    fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![self.account_key(email)];
        if let Some(address) = address {
            keys.push(self.redis.key(&[
                "users",
                "v1",
                "login-failures",
                "ip",
                // IPv6 by /64: one subscriber's whole network, one counter.
                &limit_key(address),
            ]));
        }
        keys
    }

    /// The account's key holds a hash of the normalised email, not the email:
    /// Redis need not hold personal data to count.
    fn account_key(&self, email: &str) -> String {
        let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
        let hex: String = digest[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        self.redis
            .key(&["users", "v1", "login-failures", "account", &hex])
    }
}
