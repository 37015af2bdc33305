//! # capstone-users
//!
//! The users service: accounts over REST and GraphQL on Postgres (diesel-async).
//!
//! | module | role |
//! |---|---|
//! | [`cache`] | users cached in-process and in Redis, invalidated on writes |
//! | [`auth`] | passwords, access and refresh tokens, login throttling, caller extractors |
//! | [`settings`] | what the service reads from config files and env |
//! | [`startup`] | `Application::build` → bound server → `run_until_stopped` |
//! | [`routes`] | HTTP handlers under `/api/v1`, one module per resource: extract, call a use case, shape the answer |
//! | [`idempotency`] | `Idempotency-Key` on the POSTs that create or email: claim, store, replay (Redis) |
//! | `graphql` | `/graphql`: the same use cases through a schema (async-graphql), with its limits and a DataLoader |
//! | [`accounts`] | the application layer: one method per use case (its transaction, event, cache invalidation, sessions); `Accounts`, the one state value |
//! | [`domain`] | validated types and rules; no I/O |
//! | [`repo`] | diesel queries; the only module that speaks SQL |
//! | [`read_replicas`] | stale-tolerant reads on a streaming replica, read-your-writes for the writer |
//! | [`events`] | the outbox relay: committed events → RabbitMQ, with confirms |
//! | [`metrics`] | its Prometheus names and `/metrics` samplers (cache, outbox backlog) |
//! | [`error`] | `ApiError` → problem+json |
//! | [`openapi`] | the OpenAPI document and Swagger UI |
//! | [`migrations`] | embedded schema migrations |
//! | [`seed`] | the first admin (`capstone seed --admin`) |
//! | `testing` | fixtures for tests (feature `testing`): test databases, keys, Redis prefixes |
//!
//! Dependencies point one way:
//!
//! ```text
//! routes, graphql ──► accounts ──► domain, repo, cache, auth, events, read_replicas
//! repo ──► domain            domain ──► nothing else in this crate
//! ```
//!
//! Routes and GraphQL resolvers never name a repository (`tests/layering.rs`
//! fails if one does);
//! the `auth` extractors read the one state value, `Accounts`.
//!
//! Chapters: docs/src/tour.md, databases.md, api-design.md, frameworks.md
//! ("The layers of a service"), testing.md; docs/src/adr/0009-an-application-layer.md.

pub mod accounts;
pub mod auth;
pub mod cache;
pub mod domain;
pub mod error;
pub mod events;
// fork:begin(graphql)
pub mod graphql;
// fork:end(graphql)
pub mod idempotency;
pub mod metrics;
pub mod migrations;
pub mod openapi;
pub mod read_replicas;
pub mod repo;
pub mod routes;
mod schema;
pub mod seed;
pub mod settings;
pub mod startup;
#[cfg(feature = "testing")]
pub mod testing;

pub use settings::Settings;
pub use startup::{Application, StartupError};
