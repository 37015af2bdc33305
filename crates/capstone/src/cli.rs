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
        // fork:begin(graphql)
        #[arg(value_enum, default_value_t = SchemaKind::Graphql)]
        // fork:else(graphql)
        //+ #[arg(value_enum, default_value_t = SchemaKind::Openapi)]
        // fork:end(graphql)
        kind: SchemaKind,
    },
    // fork:begin(worker)
    /// Inspect and replay the worker's dead letters.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    // fork:end(worker)
    // fork:begin(generator)
    /// Make a new project from this repository: your names instead of
    /// capstone, without the parts you do not need (docs/src/fork-starter.md).
    New(NewArgs),
    // fork:end(generator)
}

// fork:begin(generator)
/// `capstone new DIR --name Acme [--without worker,gateway,web]`
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// Where the new project goes (a new or empty directory).
    #[arg(value_name = "DIR")]
    pub(crate) directory: PathBuf,
    /// The product's name, as prose writes it: `Acme` (default: DIR's name).
    /// Its lower-case form names the binary, image, namespace and databases.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Package prefix: `acme` gives `acme-users` and `acme_users::`.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) crate_prefix: Option<String>,
    /// Configuration prefix: `ACME` gives `ACME_USERS__HTTP__PORT`.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) env_prefix: Option<String>,
    /// Metric prefix: `acme` gives `acme_http_requests_total`.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) metric_prefix: Option<String>,
    /// The GitHub repository, `owner/name`, for links and CODEOWNERS.
    #[arg(long, value_name = "OWNER/NAME")]
    pub(crate) repository: Option<String>,
    /// Parts to leave out, comma-separated; parts that need them go too.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub(crate) without: Vec<crate::commands::Part>,
    /// The Capstone checkout to copy (default: the one you are in).
    #[arg(long, value_name = "DIR")]
    pub(crate) from: Option<PathBuf>,
}
// fork:end(generator)

/// Which schema `capstone schema` prints.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum SchemaKind {
    // fork:begin(graphql)
    /// The GraphQL SDL (`services/users/schema.graphql`).
    Graphql,
    // fork:end(graphql)
    /// The OpenAPI 3.1 document (what `/api-docs/openapi.json` serves).
    Openapi,
}

// fork:begin(worker)
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
// fork:end(worker)
