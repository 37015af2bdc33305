//! The users service's settings: shared sections from `platform` plus its own.
//!
//! ```toml
//! environment = "development"     # or "production"
//! [database]                      # or DATABASE_URL / CAPSTONE_DATABASE__URL
//! url = "postgres://postgres:postgres@127.0.0.1:5432/capstone"
//! [users.http]                    # CAPSTONE_USERS__HTTP__PORT=9000 …
//! port = 8081
//! ```

use capstone_platform::{
    ConfigError,
    sealing::{Sealer, SealingSettings},
    service::ServiceSettings,
    settings::{AmqpSettings, DatabaseSettings, Environment, HttpSettings, RedisSettings},
    telemetry::TelemetrySettings,
};
use serde::{Deserialize, Serialize};

use crate::{
    auth::{Argon2Settings, LoginThrottleSettings, SigningKeySettings, link_tokens},
    cache::CacheSettings,
    events::OutboxSettings,
    idempotency::IdempotencySettings,
    read_replicas::ReadReplicaSettings,
};
use secrecy::{ExposeSecret, SecretString};

/// Everything the users service reads. Unknown top-level sections are allowed
/// (they belong to other services in the same file); unknown keys inside a
/// section are rejected, so typos fail loudly.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    pub environment: Environment,
    pub telemetry: TelemetrySettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    /// The broker the outbox relay publishes to (`[amqp]`, or `AMQP_URL`).
    pub amqp: AmqpSettings,
    /// The keys that seal link tokens for the worker (`[link_sealing]`,
    /// shared with the worker, which opens them).
    pub link_sealing: SealingSettings,
    pub users: UsersSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsersSettings {
    pub http: HttpSettings,
    /// Longest wait for one dependency check in `/health/ready`, in ms.
    pub readiness_timeout_ms: u64,
    /// Apply pending migrations when the service starts (off when a separate
    /// `capstone migrate` job owns that, as in Kubernetes).
    pub migrate_on_startup: bool,
    pub auth: AuthSettings,
    /// The users cache (`[users.cache]`).
    pub cache: CacheSettings,
    /// The transactional outbox and its relay (`[users.outbox]`).
    pub outbox: OutboxSettings,
    // fork:begin(graphql)
    /// `/graphql` (`[users.graphql]`).
    pub graphql: GraphqlSettings,
    // fork:end(graphql)
    /// `Idempotency-Key` records (`[users.idempotency]`).
    pub idempotency: IdempotencySettings,
    /// Streaming replicas for stale-tolerant reads (`[users.read_replicas]`).
    pub read_replicas: ReadReplicaSettings,
}

// fork:begin(graphql)
/// GraphQL settings (`[users.graphql]`). Its limits are constants, with
/// their reasons, in `graphql::limits`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlSettings {
    /// Whether `__schema` and `__type` answer. Unset: yes in development,
    /// no in production.
    pub introspection: Option<bool>,
}

impl Settings {
    /// Whether GraphQL introspection is on, per [`GraphqlSettings`].
    pub fn graphql_introspection(&self) -> bool {
        self.users
            .graphql
            .introspection
            .unwrap_or(self.environment.is_development())
    }
}

// fork:end(graphql)
/// Authentication settings (`[users.auth]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Password hashing cost (`[users.auth.argon2]`).
    pub argon2: Argon2Settings,
    /// `iss` of the tokens this service signs.
    pub issuer: String,
    /// `aud` of those tokens: the system they are good for.
    pub audience: String,
    /// Access-token lifetime. Short, because it cannot be revoked.
    pub access_token_ttl_secs: i64,
    /// A refresh token unused for this long expires (sliding window).
    pub refresh_token_idle_ttl_secs: i64,
    /// However often it is refreshed, a session ends this long after login.
    pub refresh_token_absolute_ttl_secs: i64,
    /// Signing keys, oldest first; the last signs. Empty in development:
    /// a key is generated at startup (tokens die with the process).
    pub signing_keys: Vec<SigningKeySettings>,
    /// Failed-login limits (`[users.auth.login_throttle]`).
    pub login_throttle: LoginThrottleSettings,
    /// Signs the tokens in emailed links (at least 32 bytes). Unset in
    /// development: one is generated per process (links die with it).
    #[serde(serialize_with = "capstone_platform::settings::expose_optional_secret")]
    pub link_secret: Option<SecretString>,
    /// How long a verification link works.
    pub email_verification_ttl_secs: i64,
    /// How long a password-reset link works. Short: it is as good as the password.
    pub password_reset_ttl_secs: i64,
    /// How long the link that confirms a new address works.
    pub email_change_ttl_secs: i64,
    /// How long the old address can undo a change of address: long enough
    /// for someone back from a holiday to notice.
    pub email_change_undo_ttl_secs: i64,
    /// `register` and `forgot-password` answer no sooner than this after
    /// they started, ms. Their work differs by a few ms between an address
    /// with an account and one without, and that difference would tell
    /// who has an account; above the slower path's time, both answer at
    /// the same moment.
    pub uniform_response_ms: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            argon2: Argon2Settings::default(),
            issuer: "capstone-users".into(),
            audience: "capstone".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_idle_ttl_secs: 14 * 24 * 60 * 60,
            refresh_token_absolute_ttl_secs: 30 * 24 * 60 * 60,
            signing_keys: Vec::new(),
            login_throttle: LoginThrottleSettings::default(),
            link_secret: None,
            email_verification_ttl_secs: 24 * 60 * 60,
            password_reset_ttl_secs: 30 * 60,
            email_change_ttl_secs: 24 * 60 * 60,
            email_change_undo_ttl_secs: 7 * 24 * 60 * 60,
            uniform_response_ms: 50,
        }
    }
}

impl Default for UsersSettings {
    fn default() -> Self {
        Self {
            http: HttpSettings {
                // The gateway's health checks run every 2 s and wait up to
                // 1 s: after 3 s of 503s it has taken this instance out of
                // rotation, so closing the listener then fails no request.
                drain_grace_ms: 3_000,
                ..HttpSettings::on_port(8081)
            },
            readiness_timeout_ms: 1_000,
            migrate_on_startup: true,
            auth: AuthSettings::default(),
            cache: CacheSettings::default(),
            outbox: OutboxSettings::default(),
            // fork:begin(graphql)
            graphql: GraphqlSettings::default(),
            // fork:end(graphql)
            idempotency: IdempotencySettings::default(),
            read_replicas: ReadReplicaSettings::default(),
        }
    }
}

impl ServiceSettings for Settings {
    fn environment(&self) -> Environment {
        self.environment
    }

    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }

    fn validate(&self) -> Result<(), ConfigError> {
        Settings::validate(self)
    }
}

/// The longest lifetime any token or link may be given: ten years. Far
/// beyond any sensible setting, and far below what `chrono::TimeDelta`
/// holds (`TimeDelta::seconds` panics past about 292 million years, and a
/// mistyped setting must be refused at startup, not panic mid-request).
const MAX_LIFETIME_SECS: i64 = 10 * 365 * 24 * 60 * 60;

impl Settings {
    /// Checks the values that types alone cannot. (Inherent, not only the
    /// trait's: `startup.rs` calls it without importing [`ServiceSettings`].)
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database.validate()?;
        self.redis.validate()?;
        self.users
            .http
            .validate("users.http.cors_allowed_origins")?;
        let auth = &self.users.auth;
        if auth.access_token_ttl_secs <= 0
            || auth.refresh_token_idle_ttl_secs <= 0
            || auth.refresh_token_absolute_ttl_secs < auth.refresh_token_idle_ttl_secs
            || auth.access_token_ttl_secs > MAX_LIFETIME_SECS
            || auth.refresh_token_absolute_ttl_secs > MAX_LIFETIME_SECS
        {
            return Err(ConfigError::Value {
                key: "users.auth.*_ttl_secs",
                expected: "positive lifetimes up to ten years, the absolute one at least the idle one",
                found: format!(
                    "access {}, idle {}, absolute {}",
                    auth.access_token_ttl_secs,
                    auth.refresh_token_idle_ttl_secs,
                    auth.refresh_token_absolute_ttl_secs
                ),
            });
        }
        self.amqp.validate()?;
        match &auth.link_secret {
            Some(secret) if secret.expose_secret().len() < link_tokens::MIN_SECRET_BYTES => {
                return Err(ConfigError::Value {
                    key: "users.auth.link_secret",
                    expected: "at least 32 bytes (e.g. `openssl rand -base64 32`)",
                    found: format!("{} bytes", secret.expose_secret().len()),
                });
            }
            None if self.environment == Environment::Production => {
                return Err(ConfigError::Value {
                    key: "users.auth.link_secret",
                    expected: "a secret in production (generated ones die with the process)",
                    found: "none".into(),
                });
            }
            _ => {}
        }
        let link_lifetimes = [
            auth.email_verification_ttl_secs,
            auth.password_reset_ttl_secs,
            auth.email_change_ttl_secs,
            auth.email_change_undo_ttl_secs,
        ];
        if link_lifetimes
            .iter()
            .any(|ttl| *ttl <= 0 || *ttl > MAX_LIFETIME_SECS)
        {
            return Err(ConfigError::Value {
                key: "users.auth.{email_verification,password_reset,email_change,email_change_undo}_ttl_secs",
                expected: "positive lifetimes up to ten years",
                found: format!("{link_lifetimes:?}"),
            });
        }
        if let Err(error) = Sealer::from_settings(&self.link_sealing, self.environment) {
            return Err(ConfigError::Value {
                key: "link_sealing.keys",
                expected: "32-byte keys, base64 (`openssl rand -base64 32`); one at least in production",
                found: error.to_string(),
            });
        }
        if self.environment == Environment::Production && auth.signing_keys.is_empty() {
            return Err(ConfigError::Value {
                key: "users.auth.signing_keys",
                expected: "at least one key in production (generated keys die with the process)",
                found: "none".into(),
            });
        }
        let cache = &self.users.cache;
        if cache.redis_ttl_secs == 0 || cache.negative_ttl_secs == 0 {
            return Err(ConfigError::Value {
                key: "users.cache.redis_ttl_secs / negative_ttl_secs",
                expected: "at least 1 (Redis refuses a zero expiry)",
                found: format!("{} / {}", cache.redis_ttl_secs, cache.negative_ttl_secs),
            });
        }
        self.users.idempotency.validate()?;
        self.users.read_replicas.validate(&self.database)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_that_time_arithmetic_cannot_hold_are_refused_at_startup() {
        let mut settings = Settings::default();
        assert!(settings.validate().is_ok());
        settings.users.auth.password_reset_ttl_secs = i64::MAX;
        assert!(settings.validate().is_err());

        let mut settings = Settings::default();
        settings.users.auth.refresh_token_idle_ttl_secs = i64::MAX / 2;
        settings.users.auth.refresh_token_absolute_ttl_secs = i64::MAX;
        assert!(settings.validate().is_err());
    }
}
