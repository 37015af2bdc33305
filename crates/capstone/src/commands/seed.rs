//! `capstone seed --admin EMAIL`: the first admin.

use anyhow::{Context, anyhow};
use capstone_platform::{probe::Dependency, service::how_to_start};
use capstone_users::{
    Settings, migrations,
    seed::{AdminSeed, SeedError, ensure_admin},
};
use secrecy::ExposeSecret;

#[allow(clippy::print_stdout)] // the outcome (and a new password) is this command's output
pub(crate) async fn run(settings: Settings, email: &str) -> anyhow::Result<()> {
    // The schema must exist before any row can; migrating is idempotent.
    migrations::run_pending(&settings.database)
        .await
        .map_err(|error| anyhow!("{error}\n\n{}", how_to_start(Dependency::Postgres)))
        .context("cannot migrate the users database")?;
    match ensure_admin(&settings, email).await {
        Ok(AdminSeed::Promoted) => println!("{email} is now an admin."),
        Ok(AdminSeed::AlreadyAdmin) => println!("{email} is already an admin; nothing to do."),
        Ok(AdminSeed::Created { password }) => println!(
            "Created admin {email} with password:\n\n    {}\n\n\
             It is shown only this once. Log in and change it with \
             PATCH /api/v1/users/me/password.",
            password.expose_secret()
        ),
        Err(SeedError::Database(cause)) => {
            return Err(anyhow!("{cause}\n\n{}", how_to_start(Dependency::Postgres)))
                .context(format!("cannot make {email} an admin"));
        }
        Err(other) => return Err(other).context(format!("cannot make {email} an admin")),
    }
    Ok(())
}
