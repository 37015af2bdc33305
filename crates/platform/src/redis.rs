//! A Redis connection that never makes a request wait for Redis to come up.
//!
//! The connection is opened by a background task that keeps trying until it
//! succeeds; until then `LazyRedis::connection` answers `None` and callers
//! degrade (throttling is skipped, a cache is bypassed). Once open, redis-rs
//! reconnects on its own. One node or a Redis Cluster (`redis.cluster`): the
//! same code above `connection`. Every command a caller sends is
//! bounded by `redis.timeout_ms` via [`LazyRedis::run`], and is a client span
//! (`command_spans`) because `run` hands out a [`TracedConnection`].
//! `rediss://` URLs connect over TLS (`client`).

mod client;
mod command_spans;
mod connection;

pub use client::build_client;
pub use command_spans::TracedConnection;
pub use connection::RedisConnection;

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use crate::{
    health::{DependencyCheck, Down},
    settings::RedisSettings,
};

/// A shared, lazily connected Redis handle. Cheap to clone.
#[derive(Clone)]
pub struct LazyRedis {
    connection: Arc<OnceCell<RedisConnection>>,
    key_prefix: Arc<str>,
    timeout: Duration,
}

impl std::fmt::Debug for LazyRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyRedis")
            .field("connected", &self.connection.initialized())
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

/// Why a Redis call gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum RedisUnavailable {
    #[error("not connected yet")]
    NotConnected,
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("redis error: {0}")]
    Command(#[from] redis::RedisError),
}

impl LazyRedis {
    /// Starts connecting in the background and returns at once.
    pub fn connect_in_background(settings: &RedisSettings) -> Self {
        let redis = Self {
            connection: Arc::new(OnceCell::new()),
            key_prefix: settings.key_prefix.clone().into(),
            timeout: Duration::from_millis(settings.timeout_ms),
        };
        let cell = Arc::clone(&redis.connection);
        let settings = settings.clone();
        let timeout = redis.timeout.max(Duration::from_millis(500));
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match RedisConnection::open(&settings, timeout).await {
                    Ok(manager) => {
                        let _ = cell.set(manager);
                        tracing::info!("connected to Redis");
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(%error, retry_in_ms = delay.as_millis(), "Redis unreachable");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
        redis
    }

    /// The namespace every key starts with (`redis.key_prefix`).
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// `prefix:part:part…`: the one place keys are assembled.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.key_prefix.to_string();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }

    /// Whether Redis answers a PING now. The connection manager reconnects
    /// on its own, so "connected once" says nothing about now: only a round
    /// trip does (readiness and the `redis_connected` gauge both ask this).
    pub async fn ping(&self) -> Result<(), RedisUnavailable> {
        self.run(async |connection| redis::cmd("PING").query_async::<String>(connection).await)
            .await
            .map(drop)
    }

    // ANCHOR: run
    /// Runs `command` on the connection, bounded by the timeout. Every
    /// command it sends becomes a client span of the caller's span.
    pub async fn run<T, F>(&self, command: F) -> Result<T, RedisUnavailable>
    where
        F: AsyncFnOnce(&mut TracedConnection) -> redis::RedisResult<T>,
    {
        let mut connection = self
            .connection
            .get()
            .cloned()
            .map(TracedConnection::new)
            .ok_or(RedisUnavailable::NotConnected)?;
        match tokio::time::timeout(self.timeout, command(&mut connection)).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(RedisUnavailable::Timeout(self.timeout.as_millis())),
        }
    }
    // ANCHOR_END: run
}

/// `/health/ready` check. Optional: without Redis the service is degraded,
/// not down.
#[derive(Debug, Clone)]
pub struct RedisCheck {
    redis: LazyRedis,
}

impl RedisCheck {
    pub fn new(redis: LazyRedis) -> Self {
        Self { redis }
    }
}

impl DependencyCheck for RedisCheck {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn required(&self) -> bool {
        false
    }

    fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
        Box::pin(async move { Ok(self.redis.ping().await?) })
    }
}
