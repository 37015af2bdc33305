//! `capstone migrate`: create the databases (development) and apply
//! migrations: the users service's, then the worker's. Each service owns its
//! database and its migrations; this command is the one place that runs
//! both, for a deployment's migration job.
//!
//! It reads only what migrating needs ([`MigrationTargets`]), not either
//! service's whole settings: a migration job holds the two database URLs
//! and none of the services' other secrets (signing keys, link keys), and
//! production would refuse settings without them.

use std::path::Path;

use anyhow::Context;
use capstone_platform::{
    ConfigError, database, load_settings,
    migrations::{self, MigrationSet},
    probe::Dependency,
    service::{explain, how_to_start},
    settings::{DatabaseSettings, Environment},
};
use serde::{Deserialize, Serialize};

/// The parts of the layered settings a migration reads: the environment,
/// the users service's `[database]` and the worker's `[worker.database]`.
/// Every other section and key is ignored here (each service checks its
/// own when it starts).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct MigrationTargets {
    environment: Environment,
    database: DatabaseSettings,
    // fork:begin(worker)
    worker: WorkerDatabase,
    // fork:end(worker)
}

// fork:begin(worker)
#[derive(Debug, Deserialize, Serialize)]
#[serde(default)]
struct WorkerDatabase {
    database: DatabaseSettings,
}

impl Default for WorkerDatabase {
    /// The worker's own default (`capstone_worker`), not the users one.
    fn default() -> Self {
        Self {
            database: capstone_worker::settings::WorkerSettings::default().database,
        }
    }
}
// fork:end(worker)

impl MigrationTargets {
    pub(crate) fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let targets: Self = load_settings(file)?;
        targets.database.validate()?;
        // fork:begin(worker)
        targets.worker.database.validate()?;
        // fork:end(worker)
        Ok(targets)
    }
}

pub(crate) async fn run(targets: MigrationTargets) -> anyhow::Result<()> {
    let environment = targets.environment;
    migrate(
        environment,
        &targets.database,
        capstone_users::migrations::MIGRATIONS,
    )
    .await?;
    // fork:begin(worker)
    migrate(
        environment,
        &targets.worker.database,
        capstone_worker::migrations::MIGRATIONS,
    )
    .await?;
    // fork:end(worker)
    Ok(())
}

#[allow(clippy::print_stdout)] // reporting what was applied is this command's job
async fn migrate(
    environment: Environment,
    settings: &DatabaseSettings,
    set: MigrationSet,
) -> anyhow::Result<()> {
    let target = settings.display_target();
    let cannot_migrate = || format!("cannot migrate {target}");
    if environment.is_development()
        && database::create_database_if_missing(settings)
            .await
            .map_err(|error| anyhow::Error::msg(explain(&error)))
            .with_context(cannot_migrate)?
    {
        println!("created database {target}");
    }
    let service = set.service;
    // Not the error's own remedy ("run migrate"): this is migrate. Here a
    // failure is almost always a Postgres that does not answer.
    let applied = migrations::run_pending(set, settings)
        .await
        .map_err(|error| anyhow::anyhow!("{error}\n\n{}", how_to_start(Dependency::Postgres)))
        .with_context(cannot_migrate)?;
    if applied.is_empty() {
        println!("{target}: {service} schema is up to date");
    }
    for version in applied {
        println!("{target}: applied {service} {version}");
    }
    Ok(())
}
