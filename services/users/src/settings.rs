//! The users service's settings: shared sections from `platform` plus its own.
//!
//! ```toml
//! environment = "development"     # or "production"
//! [database]                      # or DATABASE_URL / CAPSTONE_DATABASE__URL
//! url = "postgres://postgres:postgres@127.0.0.1:5432/capstone"
//! [users.http]                    # CAPSTONE_USERS__HTTP__PORT=9000 …
//! port = 8081
//! ```

use std::path::Path;

use capstone_platform::{
    ConfigError, load_settings,
    settings::{DatabaseSettings, Environment, HttpSettings},
    telemetry::TelemetrySettings,
};
use serde::Deserialize;

use crate::auth::Argon2Settings;

/// Everything the users service reads. Unknown top-level sections are allowed
/// (they belong to other services in the same file); unknown keys inside a
/// section are rejected, so typos fail loudly.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub environment: Environment,
    pub telemetry: TelemetrySettings,
    pub database: DatabaseSettings,
    pub users: UsersSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsersSettings {
    pub http: HttpSettings,
    /// Longest wait for one dependency check in `/health/ready`, in ms.
    pub readiness_timeout_ms: u64,
    /// Apply pending migrations when the service starts (off when a separate
    /// `capstone migrate` job owns that, as in Kubernetes).
    pub migrate_on_startup: bool,
    pub auth: AuthSettings,
}

/// Authentication settings (`[users.auth]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Password hashing cost (`[users.auth.argon2]`).
    pub argon2: Argon2Settings,
}

impl Default for UsersSettings {
    fn default() -> Self {
        Self {
            http: HttpSettings::on_port(8081),
            readiness_timeout_ms: 1_000,
            migrate_on_startup: true,
            auth: AuthSettings::default(),
        }
    }
}

impl Settings {
    /// Defaults, then `file`, then the environment; then checks the values
    /// that types alone cannot.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let settings: Settings = load_settings(file)?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database.database_name()?;
        self.users
            .http
            .validate("users.http.cors_allowed_origins")?;
        if self.database.max_connections == 0 {
            return Err(ConfigError::Value {
                key: "database.max_connections",
                expected: "at least 1",
                found: "0".into(),
            });
        }
        Ok(())
    }
}
