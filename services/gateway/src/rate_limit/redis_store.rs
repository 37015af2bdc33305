//! The shared limiter: runs `gcra.lua` in Redis, so every gateway instance
//! draws on one budget per client. It also keeps track of whether Redis is
//! answering, so an outage is logged once and does not slow every request.

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::{Duration, Instant},
};

use capstone_platform::redis::{LazyRedis, RedisUnavailable};

use super::gcra::{GcraOutcome, GcraParams};

/// After a Redis failure, how long requests skip Redis and go straight to the
/// local limiter. Without it every request would first wait the full Redis
/// timeout while Redis is down; one second keeps that cost to one request per
/// second and still notices quickly when Redis is back.
const REDIS_BACK_OFF: Duration = Duration::from_secs(1);

/// Runs the GCRA script through a [`LazyRedis`].
#[derive(Debug)]
pub(super) struct RedisStore {
    redis: LazyRedis,
    /// Holds the script text and its SHA1. `invoke_async` sends EVALSHA and,
    /// on NOSCRIPT (a fresh or flushed Redis), loads the script and retries.
    script: redis::Script,
    /// Set while Redis is failing: the switch to local limits is logged once
    /// each way, not once per request.
    on_local: AtomicBool,
    /// Nanoseconds since `started` before which Redis is not tried again.
    retry_redis_at: AtomicU64,
    started: Instant,
}

impl RedisStore {
    pub(super) fn new(redis: LazyRedis) -> Self {
        Self {
            redis,
            script: redis::Script::new(include_str!("gcra.lua")),
            on_local: AtomicBool::new(false),
            retry_redis_at: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    // ANCHOR: back_off
    /// Decides one request in Redis. `None` when Redis did not answer within
    /// its timeout, or failed less than [`REDIS_BACK_OFF`] ago.
    pub(super) async fn check(
        &self,
        class: &str,
        client: &str,
        params: &GcraParams,
    ) -> Option<GcraOutcome> {
        // Relaxed: a stale read only means one Redis try more or less.
        if self.now() < self.retry_redis_at.load(Ordering::Relaxed) {
            return None;
        }
        match self.run_script(class, client, params).await {
            Ok(outcome) => {
                if self.on_local.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis answers again: rate limits are shared again");
                }
                Some(outcome)
            }
            // Still connecting (startup, or Redis was never there): nothing
            // to wait for, and LazyRedis already logs its attempts.
            Err(RedisUnavailable::NotConnected) => None,
            Err(error) => {
                let retry_at = self.now().saturating_add(nanos(REDIS_BACK_OFF));
                self.retry_redis_at.store(retry_at, Ordering::Relaxed);
                if !self.on_local.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%error, "Redis unavailable: rate limiting per instance");
                }
                None
            }
        }
    }
    // ANCHOR_END: back_off

    /// Runs `gcra.lua` on `<prefix>:ratelimit:<class>:<client>`, bounded by
    /// the Redis timeout.
    async fn run_script(
        &self,
        class: &str,
        client: &str,
        params: &GcraParams,
    ) -> Result<GcraOutcome, RedisUnavailable> {
        let key = self.redis.key(&["ratelimit", class, client]);
        // The script counts in microseconds (see gcra.lua for why); at least
        // 1 µs so a very high rate cannot become a zero interval.
        let interval = whole_micros(params.emission_interval()).max(1);
        let tolerance = whole_micros(params.burst_tolerance());
        let (allowed, remaining, reset_after_ms, retry_after_ms): (i64, i64, i64, i64) = self
            .redis
            .run(async |connection| {
                self.script
                    .key(&key)
                    .arg(interval)
                    .arg(tolerance)
                    .invoke_async(connection)
                    .await
            })
            .await?;
        let allowed = allowed == 1;
        Ok(GcraOutcome {
            allowed,
            remaining: u32::try_from(remaining).unwrap_or(0),
            reset_after: millis(reset_after_ms),
            retry_after: (!allowed).then(|| millis(retry_after_ms)),
        })
    }

    fn now(&self) -> u64 {
        nanos(self.started.elapsed())
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

fn whole_micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn millis(value: i64) -> Duration {
    Duration::from_millis(u64::try_from(value).unwrap_or(0))
}
