//! Layered configuration: typed defaults, then an optional TOML file, then the
//! environment. Later layers win.
//!
//! 1. **Defaults** come from each settings struct's `Default` impl (with
//!    `#[serde(default)]`), chosen so that a stock machine with Postgres, Redis
//!    and RabbitMQ on localhost needs no configuration at all.
//! 2. **A TOML file**, only when one is named (`capstone --config FILE` or
//!    `CAPSTONE_CONFIG=FILE`). There is no implicit file in the working
//!    directory: configuration you cannot see is configuration you cannot debug.
//! 3. **The conventional variables** `DATABASE_URL`, `REDIS_URL` and `AMQP_URL`,
//!    because every platform (Heroku, Fly, Kubernetes secrets) already speaks them.
//! 4. **`CAPSTONE_<SECTION>__<KEY>`**, e.g. `CAPSTONE_USERS__HTTP__PORT=9000`:
//!    double underscores separate nesting levels, single ones stay in names.
//!
//! Explained in docs/src/tour.md ("Configuration").

use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Serialize, de::DeserializeOwned};

/// Why settings could not be loaded. The message always names the key and the
/// form it expects, so the fix is obvious without reading code.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value in a layer has the wrong type or shape (reported by figment,
    /// which knows which file or environment variable it came from).
    #[error("invalid configuration: {0}")]
    Layer(String),
    /// A value parsed, but is not acceptable (e.g. a URL with the wrong scheme).
    #[error("invalid configuration: `{key}` must be {expected} (got {found})")]
    Value {
        key: &'static str,
        expected: &'static str,
        found: String,
    },
    /// A config file was named but cannot be read.
    #[error("config file {path} cannot be read: {reason}")]
    File { path: String, reason: String },
}

/// Environment variables that map onto a nested key, outside the
/// `CAPSTONE_` namespace.
const CONVENTIONAL_VARIABLES: [(&str, &str); 3] = [
    ("DATABASE_URL", "database.url"),
    ("REDIS_URL", "redis.url"),
    ("AMQP_URL", "amqp.url"),
];

// ANCHOR: load_settings
/// Loads `T` from defaults, the optional `file`, and the environment.
///
/// The defaults are a layer of their own (`T::default()`, serialised), not
/// serde's per-struct defaults: setting one key of a section must leave the
/// section's other keys at *this service's* defaults. (With serde's alone,
/// `CAPSTONE_USERS__HTTP__WORKERS=2` would rebuild `users.http` from
/// `HttpSettings::default()` and move the users service to port 8080.)
pub fn load_settings<T: DeserializeOwned + Serialize + Default>(
    file: Option<&Path>,
) -> Result<T, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = file {
        // `Toml::file` silently skips a missing file; a file the user named must exist.
        std::fs::metadata(path).map_err(|error| ConfigError::File {
            path: path.display().to_string(),
            reason: error.to_string(),
        })?;
        figment = figment.merge(Toml::file_exact(path));
    }
    let conventional = Env::raw().filter_map(|name| {
        CONVENTIONAL_VARIABLES
            .iter()
            .find(|(variable, _)| name == *variable)
            .map(|(_, key)| (*key).into())
    });
    let namespaced = Env::prefixed("CAPSTONE_")
        .ignore(&["CONFIG"]) // names the file, is not a setting
        .split("__");
    figment
        .merge(conventional)
        .merge(namespaced)
        .extract()
        .map_err(describe)
}
// ANCHOR_END: load_settings

/// Figment reports every bad value at once; keep all of them, one per line,
/// each naming the key, what was expected, and where the value came from
/// (the exact environment variable, or the file).
fn describe(errors: figment::Error) -> ConfigError {
    let lines: Vec<String> = errors
        .into_iter()
        .map(|error| {
            let key = error.path.join(".").to_lowercase();
            let origin = error
                .metadata
                .as_ref()
                .map(|metadata| origin(metadata, &error.path, &key))
                .unwrap_or_else(|| "defaults".to_owned());
            format!("`{key}`: {} (set by {origin})", error.kind)
        })
        .collect();
    ConfigError::Layer(lines.join("; "))
}

fn origin(metadata: &figment::Metadata, path: &[String], key: &str) -> String {
    if let Some(source) = &metadata.source {
        return source.to_string();
    }
    if metadata.name.contains("CAPSTONE_") {
        let upper: Vec<String> = path.iter().map(|part| part.to_uppercase()).collect();
        return format!("environment variable CAPSTONE_{}", upper.join("__"));
    }
    CONVENTIONAL_VARIABLES
        .iter()
        .find(|(_, mapped)| *mapped == key)
        .map(|(variable, _)| format!("environment variable {variable}"))
        .unwrap_or_else(|| metadata.name.to_string())
}

#[cfg(test)]
// figment's `Jail` closures must return its (large) error type; not ours to shrink.
#[allow(clippy::result_large_err)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(default)]
    struct Example {
        database: Database,
        service: Service,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(default)]
    struct Database {
        url: String,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(default)]
    struct Service {
        http_port: u16,
        workers: u16,
    }

    impl Default for Example {
        fn default() -> Self {
            Self {
                database: Database {
                    url: "postgres://default".into(),
                },
                service: Service {
                    http_port: 8081,
                    workers: 0,
                },
            }
        }
    }

    impl Default for Database {
        fn default() -> Self {
            Example::default().database
        }
    }

    /// A shared section's own default differs from what the service that
    /// embeds it sets (like `HttpSettings` on 8080 vs the users service's 8081).
    impl Default for Service {
        fn default() -> Self {
            Self {
                http_port: 8080,
                workers: 0,
            }
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        figment::Jail::expect_with(|_jail| {
            let settings: Example = load_settings(None).expect("defaults load");
            assert_eq!(settings, Example::default());
            Ok(())
        });
    }

    #[test]
    fn file_overrides_defaults_and_environment_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "capstone.toml",
                "[service]\nhttp_port = 9000\n[database]\nurl = \"postgres://file\"\n",
            )?;
            jail.set_env("CAPSTONE_SERVICE__HTTP_PORT", "9100");
            let settings: Example =
                load_settings(Some(Path::new("capstone.toml"))).expect("layers load");
            assert_eq!(settings.service.http_port, 9100);
            assert_eq!(settings.database.url, "postgres://file");
            Ok(())
        });
    }

    #[test]
    fn setting_one_key_keeps_the_sections_other_keys_at_the_services_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CAPSTONE_SERVICE__WORKERS", "2");
            let settings: Example = load_settings(None).expect("loads");
            assert_eq!(settings.service.workers, 2);
            assert_eq!(
                settings.service.http_port, 8081,
                "not Service::default()'s 8080"
            );
            Ok(())
        });
    }

    #[test]
    fn database_url_is_honoured_and_namespaced_variable_wins_over_it() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://conventional");
            let settings: Example = load_settings(None).expect("loads");
            assert_eq!(settings.database.url, "postgres://conventional");

            jail.set_env("CAPSTONE_DATABASE__URL", "postgres://namespaced");
            let settings: Example = load_settings(None).expect("loads");
            assert_eq!(settings.database.url, "postgres://namespaced");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_the_key_the_variable_and_the_expected_type() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CAPSTONE_SERVICE__HTTP_PORT", "not-a-port");
            let error = load_settings::<Example>(None).expect_err("must fail");
            let message = error.to_string();
            assert!(message.contains("service.http_port"), "{message}");
            assert!(message.contains("CAPSTONE_SERVICE__HTTP_PORT"), "{message}");
            assert!(message.contains("u16"), "{message}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_that_does_not_exist_is_an_error() {
        figment::Jail::expect_with(|_jail| {
            let error =
                load_settings::<Example>(Some(Path::new("missing.toml"))).expect_err("must fail");
            assert!(error.to_string().contains("missing.toml"));
            Ok(())
        });
    }
}
