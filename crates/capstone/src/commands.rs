//! One module per subcommand. Each returns `anyhow::Result`: the context says
//! what the command was doing, the cause what went wrong and, for settings
//! and startup errors, what to do about it (their [`Remedy`]).
//!
//! [`Remedy`]: capstone_platform::service::Remedy

mod dev_cert;
// fork:begin(worker)
mod dlq;
// fork:end(worker)
mod doctor;
mod healthcheck;
mod migrate;
// fork:begin(generator)
mod new;
// fork:end(generator)
mod schema;
mod seed;
mod up;

// fork:begin(generator)
pub(crate) use new::Part;
// fork:end(generator)

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
                // fork:begin(gateway)
                load_settings(file)?,
                // fork:end(gateway)
                // fork:begin(worker)
                load_settings(file)?,
                // fork:end(worker)
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
        // fork:begin(worker)
        Command::Dlq { action } => dlq::run(load_settings(file)?, action).await,
        // fork:end(worker)
        // fork:begin(generator)
        Command::New(args) => new::run(new_request(args)),
        // fork:end(generator)
    }
}

// fork:begin(generator)
fn new_request(args: crate::cli::NewArgs) -> new::Request {
    // The default name is the directory's, capitalised: `../acme` → `Acme`.
    let name = args.name.unwrap_or_else(|| {
        let base = args
            .directory
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut chars = base.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    });
    new::Request {
        directory: args.directory,
        chosen: new::Chosen {
            name,
            crate_prefix: args.crate_prefix,
            env_prefix: args.env_prefix,
            metric_prefix: args.metric_prefix,
            repository: args.repository,
        },
        without: args.without,
        from: args.from,
    }
}
// fork:end(generator)

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
