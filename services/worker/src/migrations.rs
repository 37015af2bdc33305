//! The worker's schema migrations, embedded in the binary at compile time.
//! They run at startup (`worker.migrate_on_startup`) and in the tests'
//! template database; the runner, with its advisory lock, is shared:
//! `capstone_platform::migrations`.

use capstone_platform::{
    migrations::{self, MigrationSet},
    settings::DatabaseSettings,
};
use diesel_migrations::embed_migrations;

pub use capstone_platform::migrations::MigrationError;

/// The set, as the runner and the test templates take it.
pub const MIGRATIONS: MigrationSet = MigrationSet {
    service: "worker",
    migrations: embed_migrations!("migrations"),
    // Distinct from the users service's 0x0CA9_5703_0001: the two databases
    // may share a server, and advisory locks are per server.
    lock_key: 0x0CA9_5703_0003,
    source_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"),
};

/// Applies every pending worker migration, returning their names.
pub async fn run_pending(settings: &DatabaseSettings) -> Result<Vec<String>, MigrationError> {
    migrations::run_pending(MIGRATIONS, settings).await
}
