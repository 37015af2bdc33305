//! Setting sections that more than one service uses. A service's own settings
//! struct composes these (see `services/users/src/settings.rs`).
//!
//! Every default points at the stock local setup, so `cargo run` works on a
//! machine with Postgres, Redis and RabbitMQ on their usual ports and no config.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ConfigError;

mod http;

pub use http::HttpSettings;

/// Which kind of deployment this is. Development enables conveniences that must
/// never run in production (creating the database, generating signing keys
/// and link secrets for the process).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    #[serde(alias = "dev")]
    Development,
    #[serde(alias = "prod")]
    Production,
}

impl Environment {
    pub fn is_development(self) -> bool {
        self == Self::Development
    }
}

/// A Postgres database reached through a connection pool.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://user:password@host:port/database`. Secret: it holds a
    /// password. TLS is asked for in the URL, as libpq does:
    /// `?sslmode=verify-full` (see `database::connector` for every mode).
    #[serde(serialize_with = "expose_secret")]
    pub url: SecretString,
    /// Most connections the pool opens. Postgres' default limit is 100 for
    /// the whole server: leave room for other instances and for psql.
    pub max_connections: usize,
    /// How long a request waits for a free connection (or for a new one to be
    /// opened) before it fails with 503, in milliseconds.
    pub acquire_timeout_ms: u64,
    /// PEM file of CA certificates trusted besides Mozilla's roots, with
    /// `sslmode=verify-ca`/`verify-full` (RDS: its `global-bundle.pem`).
    pub tls_ca_file: Option<PathBuf>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "postgres://postgres:postgres@127.0.0.1:5432/capstone".into(),
            max_connections: 10,
            acquire_timeout_ms: 3_000,
            tls_ca_file: None,
        }
    }
}

impl DatabaseSettings {
    /// Parses the URL, checking what a typo would break.
    pub fn parsed_url(&self) -> Result<Url, ConfigError> {
        parse_url(
            &self.url,
            "database.url",
            &["postgres", "postgresql"],
            "a URL like postgres://user:password@host:5432/database",
        )
    }

    /// Checks the URL (scheme, database name, `sslmode`) and the CA file, so
    /// that a mistake stops startup with the key to fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database_name()?;
        crate::database::PgConnector::new(self).map(drop)
    }

    /// The database name, from the URL path.
    pub fn database_name(&self) -> Result<String, ConfigError> {
        let url = self.parsed_url()?;
        let name = url.path().trim_start_matches('/');
        if name.is_empty() {
            return Err(ConfigError::Value {
                key: "database.url",
                expected: "a URL that names a database (…/capstone)",
                found: redact(&url),
            });
        }
        Ok(name.to_owned())
    }

    /// The same server with the `postgres` maintenance database, from which
    /// other databases are created and dropped.
    pub fn maintenance_url(&self) -> Result<SecretString, ConfigError> {
        let mut url = self.parsed_url()?;
        url.set_path("/postgres");
        Ok(url.as_str().into())
    }

    /// `host:port/database` with the password removed: safe for logs and errors.
    pub fn display_target(&self) -> String {
        self.parsed_url()
            .map(|url| redact(&url))
            .unwrap_or_else(|_| "<unparseable database.url>".into())
    }

    /// A copy of these settings pointing at another database on the same server.
    pub fn with_database(&self, name: &str) -> Result<Self, ConfigError> {
        let mut url = self.parsed_url()?;
        url.set_path(&format!("/{name}"));
        Ok(Self {
            url: url.as_str().into(),
            ..self.clone()
        })
    }
}

/// A Redis server: the users cache and login throttle, the gateway's rate
/// limits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port[/db]`; `rediss://` for TLS, verified
    /// against Mozilla's roots (or `tls_ca_file`).
    #[serde(serialize_with = "expose_secret")]
    pub url: SecretString,
    /// Every key starts with this (and a colon): one Redis can then serve
    /// several deployments, and each test run its own namespace.
    pub key_prefix: String,
    /// Longest wait for one Redis command, in milliseconds. Redis is an
    /// optimisation here, never worth a slow request.
    pub timeout_ms: u64,
    /// PEM file of the CA certificates a `rediss://` server's certificate
    /// must chain to. Unlike the other `tls_ca_file`s it *replaces*
    /// Mozilla's roots (redis-rs takes one root set). ElastiCache needs none.
    pub tls_ca_file: Option<PathBuf>,
    /// `url` is a seed of a Redis Cluster (ElastiCache with cluster mode:
    /// its configuration endpoint): the client learns the shards from it
    /// and sends each command to the node that owns its key's hash slot.
    pub cluster: bool,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".into(),
            key_prefix: "capstone".into(),
            timeout_ms: 50,
            tls_ca_file: None,
            cluster: false,
        }
    }
}

impl RedisSettings {
    pub fn parsed_url(&self) -> Result<Url, ConfigError> {
        parse_url(
            &self.url,
            "redis.url",
            &["redis", "rediss"],
            "a URL like redis://127.0.0.1:6379",
        )
    }

    /// Checks the URL and the CA file (which only `rediss://` uses).
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate_ca_file_for(
            &self.parsed_url()?,
            "rediss",
            self.tls_ca_file.as_deref(),
            "redis.tls_ca_file",
            "unset unless redis.url is rediss://",
        )
    }
}

/// A RabbitMQ broker: the outbox relay publishes to it, the worker consumes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmqpSettings {
    /// `amqp://user:password@host:port/vhost` (`%2f` is the default vhost `/`);
    /// `amqps://` for TLS (port 5671 by default), verified.
    #[serde(serialize_with = "expose_secret")]
    pub url: SecretString,
    /// Starts every exchange and queue name: `capstone` gives the exchange
    /// `capstone.events`. Tests use a unique prefix each, to run in parallel.
    pub prefix: String,
    /// Longest wait for one connection attempt, ms.
    pub connect_timeout_ms: u64,
    /// Reconnect delays grow (with jitter) from 100 ms up to this, ms.
    pub reconnect_max_delay_ms: u64,
    /// PEM file of CA certificates trusted besides Mozilla's roots, for an
    /// `amqps://` broker with a private CA. Amazon MQ needs none.
    pub tls_ca_file: Option<PathBuf>,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            prefix: "capstone".into(),
            connect_timeout_ms: 3_000,
            reconnect_max_delay_ms: 5_000,
            tls_ca_file: None,
        }
    }
}

impl AmqpSettings {
    pub fn parsed_url(&self) -> Result<Url, ConfigError> {
        parse_url(
            &self.url,
            "amqp.url",
            &["amqp", "amqps"],
            "a URL like amqp://guest:guest@127.0.0.1:5672/%2f",
        )
    }

    /// Checks the URL and the CA file (which only `amqps://` uses).
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate_ca_file_for(
            &self.parsed_url()?,
            "amqps",
            self.tls_ca_file.as_deref(),
            "amqp.tls_ca_file",
            "unset unless amqp.url is amqps://",
        )
    }
}

/// The three backing services together: what `capstone doctor` checks.
/// Reads the same `database`, `redis` and `amqp` sections the services do.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BackingServices {
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub amqp: AmqpSettings,
}

/// A CA file is only meaningful when `url` uses the TLS scheme; for
/// Redis and AMQP that is the whole question (Postgres asks `sslmode`).
fn validate_ca_file_for(
    url: &Url,
    tls_scheme: &str,
    ca_file: Option<&std::path::Path>,
    key: &'static str,
    expected: &'static str,
) -> Result<(), ConfigError> {
    crate::tls::validate_ca_file(ca_file, url.scheme() == tls_scheme, key, expected)
}

fn parse_url(
    secret: &SecretString,
    key: &'static str,
    schemes: &[&str],
    expected: &'static str,
) -> Result<Url, ConfigError> {
    let url = Url::parse(secret.expose_secret()).map_err(|error| ConfigError::Value {
        key,
        expected,
        // The raw value may hold a password: say what is wrong, not what it is.
        found: format!("a value that does not parse as a URL ({error})"),
    })?;
    if !schemes.contains(&url.scheme()) || url.host_str().is_none() {
        return Err(ConfigError::Value {
            key,
            expected,
            found: redact(&url),
        });
    }
    Ok(url)
}

/// Serialises a secret as its value. Settings are serialised for one
/// purpose: handing the typed defaults to the config loader as its first
/// layer, inside the process. Nothing writes them anywhere.
pub fn expose_secret<S: serde::Serializer>(
    secret: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// [`expose_secret`] for a list of secrets (replica URLs).
pub fn expose_secrets<S: serde::Serializer>(
    secrets: &[SecretString],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(secrets.iter().map(ExposeSecret::expose_secret))
}

/// [`expose_secret`] for an optional secret.
pub fn expose_optional_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// `scheme://host:port/path` without user name or password.
pub fn redact(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_url_names_the_capstone_database() {
        let settings = DatabaseSettings::default();
        assert_eq!(settings.database_name().expect("parses"), "capstone");
        assert_eq!(
            settings.display_target(),
            "postgres://127.0.0.1:5432/capstone"
        );
    }

    #[test]
    fn maintenance_url_keeps_the_server_and_switches_the_database() {
        let settings = DatabaseSettings::default();
        let url = settings.maintenance_url().expect("parses");
        assert_eq!(
            url.expose_secret(),
            "postgres://postgres:postgres@127.0.0.1:5432/postgres"
        );
    }

    #[test]
    fn a_wrong_scheme_is_reported_with_the_key_and_without_the_password() {
        let settings = DatabaseSettings {
            url: "mysql://root:hunter2@localhost/db".into(),
            ..DatabaseSettings::default()
        };
        let message = settings.parsed_url().expect_err("wrong scheme").to_string();
        assert!(message.contains("database.url"), "{message}");
        assert!(message.contains("postgres://"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn an_unparseable_url_does_not_echo_its_value() {
        let settings = RedisSettings {
            url: "not a url with secret-password".into(),
            ..RedisSettings::default()
        };
        let message = settings.parsed_url().expect_err("bad url").to_string();
        assert!(message.contains("redis.url"), "{message}");
        assert!(!message.contains("secret-password"), "{message}");
    }
}
