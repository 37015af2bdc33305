//! `capstone schema [graphql|openapi]`: the users service's API schema on
//! stdout, built from the code (no server, no database), so a client's
//! generator can read it: `capstone schema > schema.graphql`.
//!
//! The GraphQL one is also checked in (`services/users/schema.graphql`),
//! and a test fails when the code drifts from the file.

use anyhow::Context as _;
use utoipa::OpenApi as _;

use crate::cli::SchemaKind;

#[allow(clippy::print_stdout)] // the schema is the output
pub(crate) fn run(kind: SchemaKind) -> anyhow::Result<()> {
    let text = match kind {
        SchemaKind::Graphql => capstone_users::graphql::sdl(),
        SchemaKind::Openapi => capstone_users::openapi::ApiDoc::openapi()
            .to_pretty_json()
            .context("cannot render the OpenAPI document")?,
    };
    println!("{}", text.trim_end());
    Ok(())
}
