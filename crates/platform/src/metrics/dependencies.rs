//! Samplers for what most services depend on: the USE view (utilisation,
//! saturation, errors) of the database pool, and whether Redis and RabbitMQ
//! are connected. Each is read at scrape time (see [`super::exporter`]).

use futures_util::future::BoxFuture;

use super::{
    exporter::{Sample, Sampler},
    names::{
        AMQP_CONNECTED, DB_POOL_CONNECTIONS, DB_POOL_IDLE_CONNECTIONS, DB_POOL_MAX_CONNECTIONS,
        DB_POOL_WAITING_TASKS, REDIS_CONNECTED,
    },
};
use crate::{amqp::BrokerState, database::PgPool, redis::LazyRedis};

// ANCHOR: pool_sampler
/// The pool's size against its maximum (utilisation) and the tasks waiting
/// for a connection (saturation). deadpool keeps these counts itself: no
/// query runs.
pub struct PoolSampler(pub PgPool);

impl std::fmt::Debug for PoolSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PoolSampler")
            .field(&self.0.status())
            .finish()
    }
}

impl Sampler for PoolSampler {
    fn sample(&self) -> BoxFuture<'_, Vec<Sample>> {
        let status = self.0.status();
        let count = |count: usize| count as f64;
        Box::pin(std::future::ready(vec![
            Sample::new(DB_POOL_MAX_CONNECTIONS, count(status.max_size)),
            Sample::new(DB_POOL_CONNECTIONS, count(status.size)),
            Sample::new(DB_POOL_IDLE_CONNECTIONS, count(status.available)),
            Sample::new(DB_POOL_WAITING_TASKS, count(status.waiting)),
        ]))
    }
}
// ANCHOR_END: pool_sampler

/// Whether Redis answers a PING now (bounded by `redis.timeout_ms`).
#[derive(Debug)]
pub struct RedisSampler(pub LazyRedis);

impl Sampler for RedisSampler {
    fn sample(&self) -> BoxFuture<'_, Vec<Sample>> {
        Box::pin(async move { vec![Sample::flag(REDIS_CONNECTED, self.0.ping().await.is_ok())] })
    }
}

/// Whether the task that owns the RabbitMQ connection holds a live one.
#[derive(Debug)]
pub struct BrokerSampler(pub BrokerState);

impl Sampler for BrokerSampler {
    fn sample(&self) -> BoxFuture<'_, Vec<Sample>> {
        let connected = self.0.is_connected();
        Box::pin(std::future::ready(vec![Sample::flag(
            AMQP_CONNECTED,
            connected,
        )]))
    }
}
