//! `capstone schema [graphql|openapi]`: the users service's API schema on
//! stdout, built from the code (no server, no database), so a client's
//! generator can read it: `capstone schema > schema.graphql`.
//!
//! The GraphQL one is also checked in (`services/users/schema.graphql`),
//! and a test fails when the code drifts from the file.

use std::io::{ErrorKind, Write as _};

use anyhow::Context as _;
use utoipa::OpenApi as _;

use crate::cli::SchemaKind;

pub(crate) fn run(kind: SchemaKind) -> anyhow::Result<()> {
    let text = match kind {
        // fork:begin(graphql)
        SchemaKind::Graphql => capstone_users::graphql::sdl(),
        // fork:end(graphql)
        SchemaKind::Openapi => capstone_users::openapi::ApiDoc::openapi()
            .to_pretty_json()
            .context("cannot render the OpenAPI document")?,
    };
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", text.trim_end()).and_then(|()| stdout.flush()) {
        // `capstone schema | head`: the reader has what it wanted and closed
        // the pipe. That is not a failure (println! would panic here).
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        result => result.context("cannot write the schema to stdout"),
    }
}
