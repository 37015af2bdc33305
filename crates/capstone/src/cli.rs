//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Capstone: a reference backend in Rust.
#[derive(Debug, Parser)]
#[command(version, about)]
pub(crate) struct Cli {
    /// A TOML config file layered over the defaults (env vars still win).
    #[arg(long, global = true, env = "CAPSTONE_CONFIG")]
    pub(crate) config: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run every service in this process and print their URLs (the default).
    Up,
    /// Create the database if missing (development) and apply migrations.
    Migrate,
    /// Check that Postgres, Redis and RabbitMQ answer, and say how to fix what does not.
    Doctor,
    /// Bootstrap data: make the first admin.
    Seed {
        /// Make the account with this email an admin (created, with a
        /// generated password printed once, if it does not exist).
        #[arg(long, value_name = "EMAIL")]
        admin: String,
    },
}
