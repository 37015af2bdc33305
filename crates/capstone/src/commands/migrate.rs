//! `capstone migrate`: create the database (development) and apply migrations.

use capstone_platform::{database, probe::Dependency};
use capstone_users::{Settings, migrations};

use crate::fixes::how_to_start;

#[allow(clippy::print_stdout)] // reporting what was applied is this command's job
pub(crate) async fn run(settings: Settings) -> Result<(), String> {
    let target = settings.database.display_target();
    let unreachable = |cause: String| {
        format!(
            "Cannot migrate {target}: {cause}.\n\n{}",
            how_to_start(Dependency::Postgres)
        )
    };
    if settings.environment.is_development()
        && database::create_database_if_missing(&settings.database)
            .await
            .map_err(|e| unreachable(e.to_string()))?
    {
        println!("created database {target}");
    }
    let applied = migrations::run_pending(&settings.database)
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if applied.is_empty() {
        println!("{target}: schema is up to date");
    }
    for version in applied {
        println!("{target}: applied {version}");
    }
    Ok(())
}
