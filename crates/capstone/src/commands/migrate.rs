//! `capstone migrate`: create the databases (development) and apply
//! migrations: the users service's, then the worker's. Each service owns its
//! database and its migrations; this command is the one place that runs
//! both, for a deployment's migration job.

use capstone_platform::{
    database,
    migrations::{self, MigrationSet},
    probe::Dependency,
    settings::{DatabaseSettings, Environment},
};

use crate::fixes::how_to_start;

pub(crate) async fn run(
    users: capstone_users::Settings,
    worker: capstone_worker::Settings,
) -> Result<(), String> {
    migrate(
        users.environment,
        &users.database,
        capstone_users::migrations::MIGRATIONS,
    )
    .await?;
    migrate(
        worker.environment,
        &worker.worker.database,
        capstone_worker::migrations::MIGRATIONS,
    )
    .await
}

#[allow(clippy::print_stdout)] // reporting what was applied is this command's job
async fn migrate(
    environment: Environment,
    settings: &DatabaseSettings,
    set: MigrationSet,
) -> Result<(), String> {
    let target = settings.display_target();
    let unreachable = |cause: String| {
        format!(
            "Cannot migrate {target}: {cause}.\n\n{}",
            how_to_start(Dependency::Postgres)
        )
    };
    if environment.is_development()
        && database::create_database_if_missing(settings)
            .await
            .map_err(|e| unreachable(e.to_string()))?
    {
        println!("created database {target}");
    }
    let service = set.service;
    let applied = migrations::run_pending(set, settings)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if applied.is_empty() {
        println!("{target}: {service} schema is up to date");
    }
    for version in applied {
        println!("{target}: applied {service} {version}");
    }
    Ok(())
}
