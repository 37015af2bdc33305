//! GraphQL at `/graphql`: the same use cases as the REST routes
//! ([`crate::accounts`]), asked for another way. A client names the fields
//! it wants, across relations, in one request; REST gives each resource
//! its URL, its status codes and HTTP caching. Both, on one domain, in the
//! book: docs/src/api-design.md ("REST and GraphQL on one domain").
//!
//! | module | what |
//! |---|---|
//! | [`query`] | `me`, `user(id)`, `users(first, after, filter)` (a Relay connection on the keyset cursor) |
//! | [`mutation`] | `updateMe`, `changePassword`, `revokeSession`, `setUserRole` |
//! | [`objects`] | `User` (with its `sessions`), `Session`, `TokenPair`, `Role` |
//! | [`errors`] | a use case's error as a GraphQL error whose `extensions.code` is the problem type |
//! | [`limits`] | depth, complexity, root fields, aliases, body size |
//! | `introspection` | refuses `__schema` and `__type` with a code where introspection is off |
//! | `loaders` | the DataLoader that reads every listed user's sessions in one query |
//! | `route` | `POST /graphql`: authenticate, extract, execute |
//!
//! Like `routes`, it never reaches the repositories (tests/layering.rs).
//! The schema's text is checked in as `services/users/schema.graphql`; a
//! test fails when the code and the file differ, and `capstone schema`
//! prints it.

pub mod errors;
mod introspection;
pub mod limits;
mod loaders;
pub mod mutation;
pub mod objects;
pub mod query;
mod route;

pub use route::configure;

use std::net::IpAddr;

use actix_web::web;
use async_graphql::{EmptySubscription, Schema, dataloader::DataLoader};

use crate::{accounts::Accounts, auth::AuthenticatedUser, events::EventOrigin};

/// The schema this service serves.
pub type UsersSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Who is asking, for one request: what the REST handlers get from their
/// extractors.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: AuthenticatedUser,
    /// Carried into every event a mutation writes.
    pub origin: EventOrigin,
    /// For the login limits a password check counts against.
    pub client: Option<IpAddr>,
}

// ANCHOR: endpoint
/// The schema with its limits, and what each request needs beside it.
/// Cheap to clone (two `Arc`s).
#[derive(Clone)]
pub struct Endpoint {
    schema: UsersSchema,
    accounts: web::Data<Accounts>,
}

impl Endpoint {
    /// `introspection`: whether `__schema` and `__type` answer (on in
    /// development; in production only when configured: the schema is no
    /// secret, it is in the repository, but a public map of every field
    /// helps nobody but a prober).
    pub fn new(accounts: web::Data<Accounts>, introspection: bool) -> Self {
        let mut builder = schema_builder()
            .data(accounts.clone())
            .limit_depth(limits::MAX_DEPTH)
            .limit_complexity(limits::MAX_COMPLEXITY)
            .extension(limits::QueryWidth);
        if !introspection {
            builder = builder
                .disable_introspection()
                .extension(introspection::NoIntrospection);
        }
        Self {
            schema: builder.finish(),
            accounts,
        }
    }

    /// Runs one request for `caller`.
    pub async fn execute(
        &self,
        request: async_graphql::Request,
        caller: Caller,
    ) -> async_graphql::Response {
        // Per request: a loader batches within one request only, and it
        // checks what it loads against this caller.
        let sessions = loaders::SessionsLoader::new(self.accounts.clone(), caller.user);
        let request = request
            .data(caller)
            .data(DataLoader::new(sessions, tokio::spawn));
        let mut response = self.schema.execute(request).await;
        errors::code_query_errors(&mut response.errors);
        response
    }
}
// ANCHOR_END: endpoint

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").finish_non_exhaustive()
    }
}

fn schema_builder()
-> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
}

/// The schema in SDL, as checked in at `services/users/schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

#[cfg(test)]
mod tests {
    // ANCHOR: drift
    /// The checked-in schema is what clients generate code from and what a
    /// reviewer reads in a diff; it must be the code's, to the character.
    #[test]
    fn the_checked_in_sdl_is_the_schema_the_code_serves() {
        let checked_in = include_str!("../schema.graphql");
        assert!(
            super::sdl().trim_end() == checked_in.trim_end(),
            "services/users/schema.graphql is stale: run \
             `cargo run -q -- schema > services/users/schema.graphql` and commit it"
        );
    }
    // ANCHOR_END: drift
}
