//! Rate limiting: how many requests one client may send to one route class.
//!
//! The algorithm is GCRA (see [`gcra`] for the maths and a worked example): per
//! client it stores one timestamp, the *theoretical arrival time*, and
//! allows a request when that time is not too far ahead of now. The limit
//! for each route class (`requests` per `period_secs`, with `burst` at once)
//! comes from config as [`RateLimitSettings`].
//!
//! [`RateLimiter::check`] decides one request. Normally the decision is made
//! in Redis by one atomic Lua script (`gcra.lua`), so all gateway instances
//! share one budget per client. When Redis does not answer, the same
//! algorithm runs in this process instead ([`EnforcedBy::Local`]): each
//! instance then limits on its own, looser but still a limit. The API never
//! fails because Redis is down.
//!
//! This module depends only on `capstone_platform::redis`; the caller picks
//! the client string (user id or IP) and writes the HTTP reply from the
//! [`Decision`].

// ANCHOR: kata_slot
// fork:begin(katas)
// With the feature `kata-gcra` the module is a learner's file instead
// (katas/README.md). Its tests are a sibling module, so that they test
// whichever implementation is compiled, through its public API only.
#[cfg_attr(feature = "kata-gcra", path = "../../../katas/gcra.rs")]
// fork:end(katas)
pub mod gcra;
#[cfg(test)]
mod gcra_tests;
// ANCHOR_END: kata_slot
mod local;
mod redis_store;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use capstone_platform::redis::LazyRedis;

use gcra::{GcraOutcome, GcraParams};
use local::LocalLimiter;
use redis_store::RedisStore;

/// The longest a bucket may take to refill (`period / requests × burst`).
/// Longer is surely a typo, and this bound keeps every time value exact in
/// the Lua script's doubles and in `i64` nanoseconds.
const MAX_REFILL: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// The limit of one route class.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests allowed per period on average.
    pub requests: u32,
    /// The period, in seconds.
    pub period_secs: u64,
    /// How many requests may arrive at once (the bucket depth), >= 1.
    pub burst: u32,
}

impl RateLimitSettings {
    /// Rejects zeros and absurdly slow refills; the error names `class` and the field.
    pub fn validate(&self, class: &str) -> Result<(), InvalidRateLimit> {
        let fields = [
            ("requests", u64::from(self.requests)),
            ("period_secs", self.period_secs),
            ("burst", u64::from(self.burst)),
        ];
        if let Some((field, _)) = fields.iter().find(|(_, value)| *value == 0) {
            return Err(InvalidRateLimit::Zero {
                class: class.to_owned(),
                field,
            });
        }
        let params = GcraParams::from_settings(self);
        if params.emission_interval() + params.burst_tolerance() > MAX_REFILL {
            return Err(InvalidRateLimit::RefillTooSlow {
                class: class.to_owned(),
            });
        }
        Ok(())
    }
}

/// Why a [`RateLimitSettings`] class was refused; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRateLimit {
    #[error("rate limit `{class}`: {field} must be at least 1, found 0")]
    Zero { class: String, field: &'static str },
    #[error("rate limit `{class}`: period_secs / requests × burst must be at most one year")]
    RefillTooSlow { class: String },
}

/// Which limiter made a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnforcedBy {
    /// Shared by every gateway instance.
    Redis,
    /// This instance alone, because Redis did not answer.
    Local,
}

/// The verdict on one request, and what to tell the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    /// The class's `burst`: what `RateLimit-Limit` announces.
    pub limit: u32,
    /// Requests that could still be made right now.
    pub remaining: u32,
    /// The class's period, for `RateLimit-Policy`.
    pub period_secs: u64,
    /// Until the bucket is full again.
    pub reset_after: Duration,
    /// `Some` only when refused: until the next request would pass.
    pub retry_after: Option<Duration>,
    pub enforced_by: EnforcedBy,
}

impl Decision {
    fn new(outcome: GcraOutcome, settings: &RateLimitSettings, enforced_by: EnforcedBy) -> Self {
        Self {
            allowed: outcome.allowed,
            limit: settings.burst,
            remaining: outcome.remaining,
            period_secs: settings.period_secs,
            reset_after: outcome.reset_after,
            retry_after: outcome.retry_after,
            enforced_by,
        }
    }

    /// Header name/value pairs for the reply: `RateLimit-Limit`,
    /// `RateLimit-Remaining`, `RateLimit-Reset` (whole seconds, rounded up),
    /// `RateLimit-Policy` (`<burst>;w=<period_secs>`), and `Retry-After`
    /// (whole seconds, rounded up, at least 1) when refused.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            (
                "RateLimit-Reset",
                whole_seconds_up(self.reset_after).to_string(),
            ),
            (
                "RateLimit-Policy",
                format!("{};w={}", self.limit, self.period_secs),
            ),
        ];
        if let Some(wait) = self.retry_after {
            // Rounded up and at least 1: a client retrying a little early
            // would only be refused again.
            headers.push(("Retry-After", whole_seconds_up(wait).max(1).to_string()));
        }
        headers
    }
}

fn whole_seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// Decides requests per (class, client). Cheap to clone; build it once.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    classes: BTreeMap<String, (RateLimitSettings, GcraParams)>,
    redis: RedisStore,
    local: LocalLimiter,
}

impl RateLimiter {
    /// `classes`: route class → its limit, already validated. A class not in
    /// the map is unlimited.
    pub fn new(redis: LazyRedis, classes: BTreeMap<String, RateLimitSettings>) -> Self {
        let classes: BTreeMap<_, _> = classes
            .into_iter()
            .map(|(class, settings)| {
                let params = GcraParams::from_settings(&settings);
                (class, (settings, params))
            })
            .collect();
        // A local entry older than the slowest refill is a full bucket again.
        let forget_after = classes
            .values()
            .map(|(_, params)| params.emission_interval() + params.burst_tolerance())
            .max()
            .unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                classes,
                redis: RedisStore::new(redis),
                local: LocalLimiter::new(forget_after),
            }),
        }
    }

    /// Decides one request from `client` to a route of `class`.
    /// `None` when `class` has no configured limit (unlimited).
    pub async fn check(&self, class: &str, client: &str) -> Option<Decision> {
        let (settings, params) = self.inner.classes.get(class)?;
        let (outcome, enforced_by) = self.decide(class, client, params).await;
        Some(Decision::new(outcome, settings, enforced_by))
    }

    // ANCHOR: fallback
    /// Redis when it answers, this instance's limiter when it does not.
    /// Never an error: a Redis outage loosens the limit, it does not close
    /// the API.
    async fn decide(
        &self,
        class: &str,
        client: &str,
        params: &GcraParams,
    ) -> (GcraOutcome, EnforcedBy) {
        let inner = &*self.inner;
        match inner.redis.check(class, client, params).await {
            Some(outcome) => (outcome, EnforcedBy::Redis),
            // The store has logged the outage (once) and backs off.
            None => (inner.local.check(class, client, params), EnforcedBy::Local),
        }
    }
    // ANCHOR_END: fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(requests: u32, period_secs: u64, burst: u32) -> RateLimitSettings {
        RateLimitSettings {
            requests,
            period_secs,
            burst,
        }
    }

    #[test]
    fn validate_names_the_class_and_the_zero_field() {
        let error = settings(10, 60, 0)
            .validate("login")
            .expect_err("burst 0 is invalid");
        let error = error.to_string();
        assert!(
            error.contains("login") && error.contains("burst"),
            "{error}"
        );
        let error = settings(0, 60, 1)
            .validate("api")
            .expect_err("requests 0 is invalid");
        let error = error.to_string();
        assert!(
            error.contains("api") && error.contains("requests"),
            "{error}"
        );
        assert!(settings(10, 0, 1).validate("api").is_err());
        assert!(settings(1, 31_536_000, 5).validate("api").is_err());
        assert_eq!(settings(10, 60, 5).validate("api"), Ok(()));
    }

    #[test]
    fn headers_round_up_and_add_retry_after_only_when_refused() {
        let mut decision = Decision {
            allowed: true,
            limit: 5,
            remaining: 2,
            period_secs: 60,
            reset_after: Duration::from_millis(2_001),
            retry_after: None,
            enforced_by: EnforcedBy::Redis,
        };
        let allowed = decision.headers();
        assert_eq!(allowed.len(), 4);
        assert!(allowed.contains(&("RateLimit-Reset", "3".into())));
        assert!(allowed.contains(&("RateLimit-Policy", "5;w=60".into())));

        decision.allowed = false;
        decision.retry_after = Some(Duration::from_millis(1));
        assert!(decision.headers().contains(&("Retry-After", "1".into())));
        decision.retry_after = Some(Duration::from_millis(1_500));
        assert!(decision.headers().contains(&("Retry-After", "2".into())));
    }
}
