//! The keys in Redis: claim one, then complete or release the claim.
//!
//! One Redis key per (endpoint, caller, client key), holding a record (`record.rs`):
//!
//! ```text
//! {prefix}:users:v1:idempotency:{METHOD}:{/route/pattern}:{user:<id>|anonymous}:{key}
//! ```
//!
//! Every change is atomic: the claim is one `SET … NX GET` (Redis 7.0), so
//! of two requests with one key exactly one claims it; completing and
//! releasing are scripts that first check the claim is still this
//! request's, so a request that outlived its claim changes nothing.

use capstone_platform::redis::{LazyRedis, RedisUnavailable};
use uuid::Uuid;

use super::{
    Fingerprint, IdempotencyKey, IdempotencySettings,
    record::{Record, StoredResponse},
};

/// Whose key it is. A key belongs to one caller: the same key from
/// another user is another key, so nobody can replay someone else's
/// response (or learn that a key was used) by guessing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    User(Uuid),
    /// Public endpoints (register, forgot-password). Their answers are the
    /// same for everyone (202, no body), so a shared scope reveals nothing.
    Anonymous,
}

/// What a claim found.
#[derive(Debug)]
pub enum Claim {
    /// The key is this request's: run it, then complete or release.
    Claimed(Ticket),
    /// Another request with this key and this fingerprint is running.
    InFlight,
    /// The key was used for a different request (another fingerprint).
    Reused,
    /// The key's request finished: this is its response.
    Completed(StoredResponse),
}

/// Proof of a claim: the Redis key and the exact record this request wrote.
#[derive(Debug)]
pub struct Ticket {
    key: String,
    in_flight: String,
}

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis is down or slow: the guarantee cannot be given.
    #[error("the idempotency-key store is unavailable")]
    Unavailable(#[from] RedisUnavailable),
    /// A record that does not parse (written by something else).
    #[error("an unreadable idempotency record")]
    Corrupt(#[from] serde_json::Error),
}

/// Replaces the record only while it is still this request's claim.
const COMPLETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
";

/// Deletes the record only while it is still this request's claim.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Idempotency records in Redis. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IdempotencyStore {
    redis: LazyRedis,
    settings: IdempotencySettings,
    complete_script: redis::Script,
    release_script: redis::Script,
}

impl IdempotencyStore {
    pub fn new(redis: LazyRedis, settings: IdempotencySettings) -> Self {
        Self {
            redis,
            settings,
            complete_script: redis::Script::new(COMPLETE),
            release_script: redis::Script::new(RELEASE),
        }
    }

    /// The Redis key of `key` sent by `caller` with `method` to the route
    /// `pattern` (`/api/v1/users`).
    pub fn redis_key(
        &self,
        method: &str,
        pattern: &str,
        caller: Caller,
        key: &IdempotencyKey,
    ) -> String {
        let caller = match caller {
            Caller::User(id) => format!("user:{id}"),
            Caller::Anonymous => "anonymous".to_owned(),
        };
        self.redis.key(&[
            "users",
            "v1",
            "idempotency",
            method,
            pattern,
            &caller,
            key.as_str(),
        ])
    }

    // ANCHOR: claim
    /// Claims `redis_key` for a request with `fingerprint`, unless a record
    /// is there already, in which case it says what to answer instead.
    pub async fn claim(
        &self,
        redis_key: String,
        fingerprint: Fingerprint,
    ) -> Result<Claim, StoreError> {
        let in_flight = Record::InFlight {
            fingerprint: fingerprint.clone(),
            claim: Uuid::now_v7(),
        }
        .to_json()?;
        let ttl_secs = self.settings.in_flight_ttl_secs;
        // Set when absent, with the claim's TTL; the record already there
        // otherwise (and nothing set). One command: no window between.
        let existing: Option<String> = self
            .redis
            .run(async |connection| {
                redis::cmd("SET")
                    .arg(&redis_key)
                    .arg(&in_flight)
                    .arg("NX")
                    .arg("GET")
                    .arg("EX")
                    .arg(ttl_secs)
                    .query_async(connection)
                    .await
            })
            .await?;
        let Some(existing) = existing else {
            return Ok(Claim::Claimed(Ticket {
                key: redis_key,
                in_flight,
            }));
        };
        let existing: Record = serde_json::from_str(&existing)?;
        Ok(if existing.fingerprint() != &fingerprint {
            Claim::Reused
        } else {
            match existing {
                Record::InFlight { .. } => Claim::InFlight,
                Record::Completed { response, .. } => Claim::Completed(response),
            }
        })
    }
    // ANCHOR_END: claim

    /// Stores the response of the claimed request, kept for the retention.
    /// `false` when the claim had expired meanwhile (nothing stored).
    pub async fn complete(
        &self,
        ticket: Ticket,
        fingerprint: Fingerprint,
        response: StoredResponse,
    ) -> Result<bool, StoreError> {
        let completed = Record::Completed {
            fingerprint,
            response,
        }
        .to_json()?;
        let retention_secs = self.settings.retention_secs;
        let stored: i64 = self
            .redis
            .run(async |connection| {
                self.complete_script
                    .key(&ticket.key)
                    .arg(&ticket.in_flight)
                    .arg(&completed)
                    .arg(retention_secs)
                    .invoke_async(connection)
                    .await
            })
            .await?;
        Ok(stored == 1)
    }

    /// Gives the key up, so the client may send the request again.
    pub async fn release(&self, ticket: Ticket) -> Result<(), StoreError> {
        self.redis
            .run(async |connection| {
                self.release_script
                    .key(&ticket.key)
                    .arg(&ticket.in_flight)
                    .invoke_async::<i64>(connection)
                    .await
            })
            .await?;
        Ok(())
    }
}
