//! One module per subcommand. Each returns `anyhow::Result`: the context says
//! what the command was doing, the cause what went wrong and, for settings
//! and startup errors, what to do about it (their [`Remedy`]).
//!
//! [`Remedy`]: capstone_platform::service::Remedy

mod dev_cert;
mod dlq;
mod doctor;
mod healthcheck;
mod migrate;
mod schema;
mod seed;
mod up;

use std::path::Path;

use anyhow::Context;
use capstone_platform::{
    ConfigError,
    service::{ServiceSettings, explain},
    settings::BackingServices,
};

use crate::cli::{Cli, Command};

pub(crate) async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = cli.config.as_deref();
    match cli.command.unwrap_or(Command::Up) {
        Command::Up => {
            // Boxed: the three services' startup futures together are large
            // (about 20 KB), and this one would otherwise sit on main's stack.
            Box::pin(up::run(
                load_settings(file)?,
                load_settings(file)?,
                load_settings(file)?,
            ))
            .await
        }
        Command::Migrate => {
            let targets = migrate::MigrationTargets::load(file).map_err(with_remedy)?;
            migrate::run(targets).await
        }
        // Reads Redis and RabbitMQ settings too, which no service uses yet:
        // the cache and messaging chapters will.
        Command::Doctor => {
            let services = capstone_platform::load_settings::<BackingServices>(file)
                .map_err(with_remedy)
                .context("cannot load settings")?;
            doctor::run(services).await
        }
        Command::Seed { admin } => seed::run(load_settings(file)?, &admin).await,
        Command::Healthcheck { url } => healthcheck::run(&url).await,
        Command::DevCert { dir, names } => dev_cert::run(&dir, names),
        Command::Schema { kind } => schema::run(kind),
        Command::Dlq { action } => dlq::run(load_settings(file)?, action).await,
    }
}

/// A service's settings, as that service itself would load them.
fn load_settings<T: ServiceSettings>(file: Option<&Path>) -> anyhow::Result<T> {
    T::load(file)
        .map_err(with_remedy)
        .context("cannot load settings")
}

/// The error and what to do about it, as one message.
fn with_remedy(error: ConfigError) -> anyhow::Error {
    anyhow::Error::msg(explain(&error))
}
