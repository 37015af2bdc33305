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
    /// Create the databases if missing (development) and apply the users
    /// service's and the worker's migrations.
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
    /// Exit 0 if an HTTP endpoint answers 2xx: the container healthcheck,
    /// for images that carry no curl or shell.
    Healthcheck {
        /// The URL to ask (http only).
        #[arg(
            env = "CAPSTONE_HEALTHCHECK_URL",
            default_value = "http://127.0.0.1:8080/health/live"
        )]
        url: String,
    },
    /// Write a self-signed TLS certificate and key for local HTTPS (the
    /// compose edge), unless both files are already there.
    DevCert {
        /// Where `tls.crt` and `tls.key` go.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The names the certificate is valid for.
        #[arg(long = "name", value_name = "DNS_NAME", default_values_t = ["localhost".to_string()])]
        names: Vec<String>,
    },
    /// Print the users service's API schema, as checked in beside it:
    /// clients generate their code from it.
    Schema {
        #[arg(value_enum, default_value_t = SchemaKind::Graphql)]
        kind: SchemaKind,
    },
    /// Inspect and replay the worker's dead letters.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
}

/// Which schema `capstone schema` prints.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum SchemaKind {
    /// The GraphQL SDL (`services/users/schema.graphql`).
    Graphql,
    /// The OpenAPI 3.1 document (what `/api-docs/openapi.json` serves).
    Openapi,
}

/// `capstone dlq …`
#[derive(Debug, Subcommand)]
pub(crate) enum DlqAction {
    /// Print dead letters: event id, type, reason, attempts. They stay in place.
    List {
        /// Only this concern's dead letters (email or audit); default: both.
        #[arg(long)]
        concern: Option<capstone_worker::Concern>,
        /// Print at most this many (per run, oldest first).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Move dead letters back to their work queue, to be handled again.
    Replay {
        /// Only this concern's dead letters (email or audit); default: both.
        #[arg(long)]
        concern: Option<capstone_worker::Concern>,
        /// Replay only the dead letter of this event.
        #[arg(
            long,
            value_name = "EVENT_ID",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        id: Option<String>,
        /// Replay every dead letter.
        #[arg(long)]
        all: bool,
    },
}
