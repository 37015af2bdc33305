//! A Redis key prefix per test, and its keys deleted when the test ends.
//!
//! Every service puts `redis.key_prefix` in front of its keys, so tests
//! that share one Redis (the users service's cache and throttles, the
//! gateway's rate limits) see only their own keys, and leave none behind.

use secrecy::ExposeSecret;

#[derive(Debug)]
pub struct RedisNamespace {
    pub prefix: String,
    url: String,
}

impl RedisNamespace {
    pub fn new(settings: &crate::settings::RedisSettings) -> Self {
        Self {
            prefix: format!("capstone-test-{}", uuid::Uuid::new_v4().simple()),
            url: settings.url.expose_secret().to_owned(),
        }
    }

    /// Every key under this test's prefix.
    pub fn keys(&self) -> Vec<String> {
        self.connection()
            .and_then(|mut connection| {
                redis::cmd("KEYS")
                    .arg(format!("{}:*", self.prefix))
                    .query(&mut connection)
                    .ok()
            })
            .unwrap_or_default()
    }

    /// Writes `value` at `key` (to arrange states the service would not make).
    pub fn set(&self, key: &str, value: &str) {
        let mut connection = self.connection().expect("Redis reachable");
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .query::<()>(&mut connection)
            .expect("SET");
    }

    /// The seconds `key` has left to live: -1 without an expiry, -2 when
    /// there is no such key (Redis' `TTL`).
    pub fn ttl(&self, key: &str) -> i64 {
        let mut connection = self.connection().expect("Redis reachable");
        redis::cmd("TTL")
            .arg(key)
            .query(&mut connection)
            .expect("TTL")
    }

    fn connection(&self) -> Option<redis::Connection> {
        redis::Client::open(self.url.as_str())
            .ok()?
            .get_connection_with_timeout(std::time::Duration::from_secs(2))
            .ok()
    }
}

impl Drop for RedisNamespace {
    fn drop(&mut self) {
        let keys = self.keys();
        if keys.is_empty() {
            return;
        }
        if let Some(mut connection) = self.connection() {
            let _: Result<(), _> = redis::cmd("DEL").arg(keys).query(&mut connection);
        }
    }
}
