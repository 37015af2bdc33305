//! One connection type for a single Redis node and for a Redis Cluster, so
//! that everything above (`LazyRedis::run`, the spans, every caller) is the
//! same code for both.
//!
//! - **Single node** (`redis.cluster = false`): redis-rs'
//!   `ConnectionManager`, one multiplexed connection that reconnects on its
//!   own.
//! - **Cluster** (`redis.cluster = true`): redis-rs' cluster client. It
//!   asks the seed (`redis.url`) which node owns which of the 16384 hash
//!   slots, sends each command to the owner of its key's slot, follows
//!   `MOVED` and `ASK` redirections when slots move or a replica is
//!   promoted, and refreshes its map. A command with keys in two slots is
//!   refused by the cluster (`CROSSSLOT`): every command here touches one
//!   key (docs/src/data-past-one-machine.md, "Partitioning").

use std::time::Duration;

use redis::{
    Cmd, Pipeline, RedisFuture, RedisResult, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClientBuilder,
    cluster_async::ClusterConnection,
};
use secrecy::ExposeSecret;

use super::client::{build_client, trusted_certificates};
use crate::settings::RedisSettings;

/// A connection to one node or to a cluster. Cheap to clone: both kinds
/// are handles to a shared, multiplexed connection.
#[derive(Clone)]
pub enum RedisConnection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Single(_) => "RedisConnection::Single",
            Self::Cluster(_) => "RedisConnection::Cluster",
        })
    }
}

impl RedisConnection {
    // ANCHOR: open
    /// Connects as `settings` say, each connect and response bounded by
    /// `timeout`.
    pub async fn open(settings: &RedisSettings, timeout: Duration) -> RedisResult<Self> {
        if settings.cluster {
            let mut builder = ClusterClientBuilder::new([settings.url.expose_secret()])
                .connection_timeout(timeout)
                .response_timeout(timeout)
                .retries(2);
            if let Some(certificates) = trusted_certificates(settings)? {
                builder = builder.certs(certificates);
            }
            let client = builder.build()?;
            return Ok(Self::Cluster(client.get_async_connection().await?));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2);
        let manager = ConnectionManager::new_with_config(build_client(settings)?, config).await?;
        Ok(Self::Single(manager))
    }
    // ANCHOR_END: open
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(connection) => connection.req_packed_commands(pipeline, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    /// A cluster has database 0 only.
    fn get_db(&self) -> i64 {
        match self {
            Self::Single(connection) => connection.get_db(),
            Self::Cluster(_) => 0,
        }
    }
}
