//! `[users.read_replicas]`: where the replicas are and how stale they may be.

use capstone_platform::{ConfigError, settings::DatabaseSettings};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `[users.read_replicas]`. No URLs (the default): every read goes to the
/// primary, and nothing below is used.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadReplicaSettings {
    /// Streaming replicas of `database.url`, reached with the same pool
    /// settings (`database.max_connections`, timeouts, TLS). From the
    /// environment as one JSON array:
    /// `CAPSTONE_USERS__READ_REPLICAS__URLS='["postgres://…@replica:5432/capstone"]'`.
    #[serde(serialize_with = "capstone_platform::settings::expose_secrets")]
    pub urls: Vec<SecretString>,
    /// A replica more than this far behind the primary serves no reads, in
    /// milliseconds. Also how long a caller's own writes send their reads to
    /// the primary (or to a replica that has replayed them).
    pub max_lag_ms: u64,
    /// How often each replica is asked how far it has replayed, in ms.
    pub poll_interval_ms: u64,
}

impl Default for ReadReplicaSettings {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            // A healthy streaming replica is milliseconds behind; a second
            // means it is struggling, and a reader should not wait on it.
            max_lag_ms: 1_000,
            poll_interval_ms: 100,
        }
    }
}

impl ReadReplicaSettings {
    /// The bound must leave room for a few polls, or no replica could ever
    /// be proven fresh; each URL must be a database URL.
    pub fn validate(&self, primary: &DatabaseSettings) -> Result<(), ConfigError> {
        if self.poll_interval_ms == 0 || self.max_lag_ms < 2 * self.poll_interval_ms {
            return Err(ConfigError::Value {
                key: "users.read_replicas.max_lag_ms / poll_interval_ms",
                expected: "a poll interval of at least 1 ms, and a lag bound at least twice it",
                found: format!("{} / {}", self.max_lag_ms, self.poll_interval_ms),
            });
        }
        for url in &self.urls {
            DatabaseSettings {
                url: url.clone(),
                ..primary.clone()
            }
            .validate()
            .map_err(|error| ConfigError::Value {
                key: "users.read_replicas.urls",
                expected: "Postgres URLs like the primary's",
                found: error.to_string(),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_too_tight_to_prove_freshness_and_bad_urls_are_refused() {
        let primary = DatabaseSettings::default();
        assert!(ReadReplicaSettings::default().validate(&primary).is_ok());
        for (max_lag_ms, poll_interval_ms) in [(1_000, 0), (150, 100), (0, 0)] {
            let settings = ReadReplicaSettings {
                max_lag_ms,
                poll_interval_ms,
                ..ReadReplicaSettings::default()
            };
            assert!(settings.validate(&primary).is_err(), "{settings:?}");
        }
        let settings = ReadReplicaSettings {
            urls: vec!["mysql://replica/capstone".into()],
            ..ReadReplicaSettings::default()
        };
        assert!(settings.validate(&primary).is_err());
    }
}
