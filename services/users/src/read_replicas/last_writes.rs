//! Each account's last write, as a log position, in Redis: what makes
//! read-your-writes hold across instances.
//!
//! ```text
//! {prefix}:users:v1:last_write:{user id}  ->  "0000001600B374D8"  (PX = max lag)
//! ```
//!
//! The position is stored as 16 hex digits, so that Redis compares two of
//! them as strings in the right order (Lua's numbers are doubles: a log
//! position past 2^53 would round). A write only ever raises the value, so
//! two writes finishing out of order cannot lower it. The key lives as long
//! as the lag bound: once it is gone, any replica fresh enough to serve
//! reads at all has replayed the write (the argument is in
//! docs/src/data-past-one-machine.md).

use std::time::Duration;

use capstone_platform::{
    database::replicas::Lsn,
    redis::{LazyRedis, RedisUnavailable},
};
use uuid::Uuid;

/// Raises the stored position to ARGV[1] (never lowers it) and restarts its
/// expiry (ARGV[2] ms) either way.
const RAISE: &str = r"
local current = redis.call('GET', KEYS[1])
if not current or current < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
";

/// The last-write positions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LastWrites {
    redis: LazyRedis,
    ttl: Duration,
    raise: redis::Script,
}

impl LastWrites {
    /// Positions are kept for `ttl`: the replicas' lag bound.
    pub fn new(redis: LazyRedis, ttl: Duration) -> Self {
        Self {
            redis,
            ttl,
            raise: redis::Script::new(RAISE),
        }
    }

    fn key(&self, account: Uuid) -> String {
        self.redis
            .key(&["users", "v1", "last_write", &account.to_string()])
    }

    /// `account` wrote: its reads must see the primary at `position` or later.
    pub async fn record(&self, account: Uuid, position: Lsn) -> Result<(), RedisUnavailable> {
        let key = self.key(account);
        let position = format!("{:016X}", position.0);
        let ttl_ms = self.ttl.as_millis().max(1) as u64;
        self.redis
            .run(async |connection| {
                self.raise
                    .key(&key)
                    .arg(&position)
                    .arg(ttl_ms)
                    .invoke_async::<i64>(connection)
                    .await
            })
            .await
            .map(drop)
    }

    /// The position `account` last wrote at, if within the lag bound.
    pub async fn of(&self, account: Uuid) -> Result<Option<Lsn>, RedisUnavailable> {
        let key = self.key(account);
        let stored: Option<String> = self
            .redis
            .run(async |connection| redis::cmd("GET").arg(&key).query_async(connection).await)
            .await?;
        // Unreadable (written by something else): treat as "just wrote",
        // the safe reading.
        Ok(stored.map(|hex| Lsn(u64::from_str_radix(&hex, 16).unwrap_or(u64::MAX))))
    }
}
