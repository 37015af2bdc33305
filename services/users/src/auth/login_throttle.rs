//! Login throttling: too many failed logins for one account, or from one
//! address, within a window, and further attempts get 429 until it passes.
//!
//! Counters live in Redis so every instance of the service sees the same
//! count (an in-process counter would give an attacker N times the budget
//! behind a load balancer). Each counter is one key with a TTL: the first
//! failure creates it and starts the window, later failures increment it;
//! Redis deletes it when the window ends. A successful login deletes the
//! account's counter. The address counter is left to expire: otherwise one
//! valid account would let a credential-stuffing run from that address reset
//! its own budget.
//!
//! If Redis is unreachable, logins are *not* throttled (and a warning is
//! logged): refusing every login because a counter store is down would turn
//! a Redis outage into a full authentication outage.

use std::net::IpAddr;

use capstone_platform::redis::LazyRedis;
use redis::AsyncCommands;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `[users.auth.login_throttle]`.
#[derive(Debug, Clone, Deserialize)]
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

/// Counts failed logins in Redis.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    redis: LazyRedis,
    settings: LoginThrottleSettings,
}

/// Increments a counter and starts its window on the first increment, as one
/// atomic step (two commands could leave a key without TTL: a lockout forever).
const RECORD_FAILURE: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
";

impl LoginThrottle {
    pub fn new(redis: LazyRedis, settings: LoginThrottleSettings) -> Self {
        Self { redis, settings }
    }

    // ANCHOR: check
    /// `Some(seconds)` to wait when the account or the address is over the
    /// limit, `None` to go ahead.
    pub async fn retry_after(&self, email: &str, address: Option<IpAddr>) -> Option<u64> {
        let limits = [
            self.settings.max_failures_per_account,
            self.settings.max_failures_per_address,
        ];
        let keys = self.keys(email, address);
        let outcome = self
            .redis
            .run(async |connection| {
                let mut wait = None;
                for (key, limit) in keys.iter().zip(limits) {
                    let count: Option<u32> = connection.get(key).await?;
                    if count.is_some_and(|count| count >= limit) {
                        let ttl: i64 = connection.ttl(key).await?;
                        wait = wait.max(Some(u64::try_from(ttl).unwrap_or(1).max(1)));
                    }
                }
                Ok(wait)
            })
            .await;
        outcome.unwrap_or_else(|error| {
            tracing::warn!(%error, "login throttle unavailable: not throttling");
            None
        })
    }
    // ANCHOR_END: check

    pub async fn record_failure(&self, email: &str, address: Option<IpAddr>) {
        let keys = self.keys(email, address);
        let window = self.settings.window_secs;
        let outcome = self
            .redis
            .run(async |connection| {
                let script = redis::Script::new(RECORD_FAILURE);
                for key in &keys {
                    let _: u32 = script.key(key).arg(window).invoke_async(connection).await?;
                }
                Ok(())
            })
            .await;
        if let Err(error) = outcome {
            tracing::warn!(%error, "login failure not recorded");
        }
    }

    pub async fn record_success(&self, email: &str) {
        let key = self.account_key(email);
        let outcome = self
            .redis
            .run(async |connection| connection.del::<_, ()>(&key).await)
            .await;
        if let Err(error) = outcome {
            tracing::warn!(%error, "login counter not reset");
        }
    }

    /// The account's key, then (when known) the address's.
    fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<String> {
        let mut keys = vec![self.account_key(email)];
        if let Some(address) = address {
            keys.push(self.redis.key(&[
                "users",
                "v1",
                "login-failures",
                "ip",
                &address.to_string(),
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
