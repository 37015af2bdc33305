//! Startup errors that say what to do about them.
//!
//! The message of an error says what went wrong; its [`Remedy`] says what the
//! person who started the service can do about it (start Postgres, free a
//! port, fix a key). Every service's startup error implements it, so a
//! binary run on its own and `capstone up` print the same advice, from this
//! code, keyed by the error's type rather than by its message.

use std::{error::Error, io::ErrorKind};

use crate::{
    ConfigError, database::DatabaseError, migrations::MigrationError, probe::Dependency,
    server::BindError, telemetry::TelemetryError,
};

// ANCHOR: remedy
/// What to do about an error, for the person who started the service.
pub trait Remedy {
    /// A paragraph of advice, or None when the message says it all.
    fn remedy(&self) -> Option<String>;
}

/// The error's message followed by its remedy, as printed when a start fails.
pub fn explain<E: Error + Remedy + ?Sized>(error: &E) -> String {
    match error.remedy() {
        Some(remedy) => format!("{error}\n\n{remedy}"),
        None => error.to_string(),
    }
}
// ANCHOR_END: remedy

/// How to start `dependency` on the usual kinds of machine.
pub fn how_to_start(dependency: Dependency) -> String {
    let (brew, compose) = match dependency {
        Dependency::Postgres => ("postgresql@16", "postgres"),
        Dependency::Redis => ("redis", "redis"),
        Dependency::RabbitMq => ("rabbitmq", "rabbitmq"),
    };
    format!(
        "Start it with one of:\n\
         \x20 Debian/Ubuntu:  bash scripts/dev-services.sh   (installs and starts Postgres, Redis, RabbitMQ; uses sudo when needed)\n\
         \x20 macOS:          brew install {brew} && brew services start {brew}\n\
         \x20 containers:     docker compose up -d {compose}\n\
         Then check with `cargo run -- doctor`."
    )
}

impl Remedy for ConfigError {
    fn remedy(&self) -> Option<String> {
        Some(
            "Settings come from defaults, then --config FILE (or CAPSTONE_CONFIG), \
             then DATABASE_URL/REDIS_URL/AMQP_URL, then CAPSTONE_<SECTION>__<KEY> variables."
                .into(),
        )
    }
}

impl Remedy for DatabaseError {
    fn remedy(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.remedy(),
            Self::Unreachable { .. } | Self::Create { .. } => Some(format!(
                "PostgreSQL is not usable: it must be running and accept the configured URL.\n\n{}",
                how_to_start(Dependency::Postgres)
            )),
            Self::Pool(_) => None,
        }
    }
}

impl Remedy for MigrationError {
    fn remedy(&self) -> Option<String> {
        Some(
            "Run `cargo run -- migrate` to see the failing migration; if the database holds \
             a schema from another project, point the service at an empty database."
                .into(),
        )
    }
}

impl Remedy for TelemetryError {
    fn remedy(&self) -> Option<String> {
        None // Each variant names the `[telemetry]` key to fix.
    }
}

impl Remedy for BindError {
    fn remedy(&self) -> Option<String> {
        let variable = environment_variable(self.port_setting);
        // Suggest the same port a thousand up: 8080 → 9080, easy to remember.
        let other_port = self
            .address
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse::<u16>().ok())
            .and_then(|port| port.checked_add(1000))
            .unwrap_or(9080);
        let choose = format!("choose another one, e.g. {variable}={other_port}");
        Some(match self.source.kind() {
            ErrorKind::AddrInUse => format!(
                "Another process probably uses the port ({} shows which); stop it or {choose}.",
                self.address.rsplit_once(':').map_or_else(
                    || "`ss -ltnp`".into(),
                    |(_, port)| { format!("`ss -ltnp 'sport = :{port}'`") }
                )
            ),
            ErrorKind::PermissionDenied => {
                format!("Ports below 1024 need privileges this process lacks: {choose}.")
            }
            _ => format!("Check the host is an address of this machine, or {choose}."),
        })
    }
}

/// `gateway.http.port` → `CAPSTONE_GATEWAY__HTTP__PORT` (see [`crate::config`]).
fn environment_variable(key: &str) -> String {
    format!("CAPSTONE_{}", key.to_uppercase().replace('.', "__"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_names_the_variable_that_moves_it() {
        let error = BindError {
            address: "127.0.0.1:8080".into(),
            port_setting: "gateway.http.port",
            source: std::io::Error::from(ErrorKind::AddrInUse),
        };
        let advice = explain(&error);
        assert!(
            advice.contains("CAPSTONE_GATEWAY__HTTP__PORT=9080"),
            "{advice}"
        );
        assert!(advice.contains("sport = :8080"), "{advice}");
    }

    #[test]
    fn an_unreachable_database_says_how_to_start_postgres() {
        let error = DatabaseError::Unreachable {
            target: "127.0.0.1:5432".into(),
            reason: "connection refused".into(),
        };
        let advice = explain(&error);
        assert!(advice.starts_with("cannot connect to Postgres"), "{advice}");
        assert!(advice.contains("docker compose up -d postgres"), "{advice}");
    }
}
