//! One module per subcommand.

mod dev_cert;
mod dlq;
mod doctor;
mod healthcheck;
mod migrate;
mod seed;
mod up;

use std::path::Path;

use capstone_platform::{ConfigError, settings::BackingServices};
use capstone_users::Settings;

use crate::cli::{Cli, Command};

pub(crate) async fn run(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Up) {
        Command::Up => {
            let file = cli.config.as_deref();
            // Boxed: the three services' startup futures together are large
            // (about 20 KB), and this one would otherwise sit on main's stack.
            Box::pin(up::run(
                load_settings(file)?,
                load_settings(file)?,
                load_settings(file)?,
            ))
            .await
        }
        Command::Migrate => migrate::run(load_settings(cli.config.as_deref())?).await,
        // Reads Redis and RabbitMQ settings too, which no service uses yet:
        // the cache and messaging chapters will.
        Command::Doctor => doctor::run(load_settings(cli.config.as_deref())?).await,
        Command::Seed { admin } => seed::run(load_settings(cli.config.as_deref())?, &admin).await,
        Command::Healthcheck { url } => healthcheck::run(&url).await,
        Command::DevCert { dir, names } => dev_cert::run(&dir, names),
        Command::Dlq { action } => dlq::run(load_settings(cli.config.as_deref())?, action).await,
    }
}

fn load_settings<T: Loadable>(file: Option<&Path>) -> Result<T, String> {
    T::load(file).map_err(|error| {
        format!(
            "{error}\n\nSettings come from defaults, then --config FILE (or CAPSTONE_CONFIG), \
             then DATABASE_URL/REDIS_URL/AMQP_URL, then CAPSTONE_<SECTION>__<KEY> variables."
        )
    })
}

/// Settings a command can load from the layered config.
trait Loadable: Sized {
    fn load(file: Option<&Path>) -> Result<Self, ConfigError>;
}

impl Loadable for Settings {
    fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Settings::load(file)
    }
}

impl Loadable for capstone_gateway::Settings {
    fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        capstone_gateway::Settings::load(file)
    }
}

impl Loadable for capstone_worker::Settings {
    fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        capstone_worker::Settings::load(file)
    }
}

impl Loadable for migrate::MigrationTargets {
    fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        migrate::MigrationTargets::load(file)
    }
}

impl Loadable for BackingServices {
    fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        capstone_platform::load_settings(file)
    }
}
