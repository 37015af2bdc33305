//! The worker's settings: shared sections from `platform` plus its own.
//!
//! ```toml
//! environment = "development"      # or "production"
//! [amqp]                           # or AMQP_URL / CAPSTONE_AMQP__URL
//! url = "amqp://guest:guest@127.0.0.1:5672/%2f"
//! [worker]                         # CAPSTONE_WORKER__PREFETCH=32 …
//! concurrency = 8
//! retry_delays_ms = [1000, 10000, 60000]
//! [worker.database]                # the worker's own database
//! url = "postgres://postgres@127.0.0.1:5432/capstone_worker"
//! [worker.email]                   # see `email::EmailSettings`
//! sink = "file"
//! ```
//!
//! The worker has its own database (database per service), so its URL lives
//! under `[worker.database]`, not the top-level `[database]` (`DATABASE_URL`)
//! the users service reads.

use capstone_platform::{
    ConfigError,
    sealing::{Sealer, SealingSettings},
    service::ServiceSettings,
    settings::{AmqpSettings, DatabaseSettings, Environment, HttpSettings},
    telemetry::TelemetrySettings,
};
use serde::{Deserialize, Serialize};

use crate::email::EmailSettings;

/// Everything the worker reads. Unknown top-level sections are allowed (they
/// belong to other services in the same file); unknown keys inside a section
/// are rejected, so typos fail loudly.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    /// Development enables conveniences (creating the database).
    pub environment: Environment,
    /// Log filter and format (`[telemetry]`).
    pub telemetry: TelemetrySettings,
    /// The broker (`[amqp]`, shared with the users service's relay).
    pub amqp: AmqpSettings,
    /// The keys that open the link tokens the users service sealed
    /// (`[link_sealing]`, shared with it).
    pub link_sealing: SealingSettings,
    /// The worker's own section (`[worker]`).
    pub worker: WorkerSettings,
}

/// The `[worker]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Serves only `/health/live` and `/health/ready`.
    pub http: HttpSettings,
    /// The worker's own database: audit trail and processed-event ids.
    pub database: DatabaseSettings,
    /// Apply pending migrations when the worker starts (off when a separate
    /// `capstone migrate` job owns that).
    pub migrate_on_startup: bool,
    /// Most unacknowledged messages the broker sends each consumer ahead of
    /// time. Higher hides network latency; lower spreads work across
    /// several worker instances more evenly.
    pub prefetch: u16,
    /// Most messages each consumer (concern) handles at once.
    pub concurrency: usize,
    /// Delay before each retry of a transiently failed message, ms: one
    /// retry queue per entry, after the last the message is dead-lettered.
    pub retry_delays_ms: Vec<u64>,
    /// Longest wait for one dependency check in `/health/ready`, ms.
    pub readiness_timeout_ms: u64,
    /// How long a processed event id is remembered, s. A redelivery later
    /// than this would be applied again, so it must outlast the retry
    /// path and the time dead letters may wait for a replay.
    pub processed_retention_secs: u64,
    /// How often ids past the retention are deleted, s.
    pub prune_interval_secs: u64,
    /// Where emails go and what they link to (`[worker.email]`).
    pub email: EmailSettings,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            http: HttpSettings {
                // Two health endpoints: one HTTP thread is plenty.
                workers: 1,
                ..HttpSettings::on_port(8082)
            },
            database: DatabaseSettings {
                url: "postgres://postgres@127.0.0.1:5432/capstone_worker".into(),
                ..DatabaseSettings::default()
            },
            migrate_on_startup: true,
            prefetch: 16,
            concurrency: 8,
            retry_delays_ms: vec![1_000, 10_000, 60_000],
            readiness_timeout_ms: 1_000,
            processed_retention_secs: 30 * 24 * 3600,
            prune_interval_secs: 3600,
            email: EmailSettings::default(),
        }
    }
}

/// The longest `worker.processed_retention_secs`: a hundred years. Far
/// beyond any real retention, and far inside what `chrono::TimeDelta`
/// holds (about 292 million years; `TimeDelta::seconds` panics beyond).
pub const MAX_PROCESSED_RETENTION_SECS: u64 = 100 * 365 * 24 * 3600;

impl ServiceSettings for Settings {
    fn environment(&self) -> Environment {
        self.environment
    }

    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }

    /// Checks what would otherwise fail later, or silently misbehave.
    fn validate(&self) -> Result<(), ConfigError> {
        self.amqp.validate()?;
        self.worker.database.validate()?;
        if let Err(error) = Sealer::from_settings(&self.link_sealing, self.environment) {
            return Err(ConfigError::Value {
                key: "link_sealing.keys",
                expected: "the users service's 32-byte keys, base64; one at least in production",
                found: error.to_string(),
            });
        }
        let worker = &self.worker;
        if worker.prefetch == 0 {
            return Err(ConfigError::Value {
                key: "worker.prefetch",
                expected: "at least 1 (0 would mean \"no limit\" to RabbitMQ)",
                found: "0".into(),
            });
        }
        if worker.concurrency == 0 {
            return Err(ConfigError::Value {
                key: "worker.concurrency",
                expected: "at least 1",
                found: "0".into(),
            });
        }
        if worker.retry_delays_ms.is_empty() || worker.retry_delays_ms.contains(&0) {
            return Err(ConfigError::Value {
                key: "worker.retry_delays_ms",
                expected: "a non-empty list of positive delays, e.g. [1000, 10000, 60000]",
                found: format!("{:?}", worker.retry_delays_ms),
            });
        }
        let retry_path_ms: u64 = worker.retry_delays_ms.iter().sum();
        if worker.processed_retention_secs.saturating_mul(1000) <= retry_path_ms {
            return Err(ConfigError::Value {
                key: "worker.processed_retention_secs",
                expected: "longer than the whole retry path (the sum of worker.retry_delays_ms), \
                           or a retried event could be applied twice",
                found: worker.processed_retention_secs.to_string(),
            });
        }
        if worker.processed_retention_secs > MAX_PROCESSED_RETENTION_SECS {
            return Err(ConfigError::Value {
                key: "worker.processed_retention_secs",
                expected: "at most 3153600000 (a hundred years)",
                found: worker.processed_retention_secs.to_string(),
            });
        }
        if worker.prune_interval_secs == 0 {
            return Err(ConfigError::Value {
                key: "worker.prune_interval_secs",
                expected: "at least 1",
                found: "0".into(),
            });
        }
        if worker.database.max_connections == 0 {
            return Err(ConfigError::Value {
                key: "worker.database.max_connections",
                expected: "at least 1",
                found: "0".into(),
            });
        }
        worker.email.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_use_the_workers_own_database() {
        let settings = Settings::default();
        settings.validate().expect("defaults validate");
        assert_eq!(
            settings.worker.database.database_name().expect("a name"),
            "capstone_worker"
        );
    }

    #[test]
    fn zero_or_empty_retry_delays_are_rejected_with_their_key() {
        for delays in [vec![], vec![1000, 0]] {
            let mut settings = Settings::default();
            settings.worker.retry_delays_ms = delays;
            let message = settings.validate().expect_err("invalid").to_string();
            assert!(message.contains("worker.retry_delays_ms"), "{message}");
        }
    }

    #[test]
    fn a_retention_too_long_for_a_time_delta_is_rejected_with_its_key() {
        let mut settings = Settings::default();
        settings.worker.processed_retention_secs = u64::MAX;
        let message = settings.validate().expect_err("invalid").to_string();
        assert!(
            message.contains("worker.processed_retention_secs"),
            "{message}"
        );
        settings.worker.processed_retention_secs = MAX_PROCESSED_RETENTION_SECS;
        settings.validate().expect("a hundred years is allowed");
    }

    #[test]
    fn zero_concurrency_is_rejected_with_its_key() {
        let mut settings = Settings::default();
        settings.worker.concurrency = 0;
        let message = settings.validate().expect_err("invalid").to_string();
        assert!(message.contains("worker.concurrency"), "{message}");
    }
}
