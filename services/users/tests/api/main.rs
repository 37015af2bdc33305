//! Integration tests of the users service: one binary (faster to link than
//! one per file), one module per feature. Every test talks HTTP to a real
//! server backed by its own real Postgres database; see `helpers/`.

// A test binary has no public API: `pub` here only shares helpers between
// modules, which is what these two lints would otherwise flag.
#![allow(unreachable_pub, missing_debug_implementations)]

mod access_control;
mod auth;
mod browser_tokens;
mod cache;
mod cache_under_failure;
mod client_spans;
mod create_user;
mod database_outage;
mod delete_user;
mod email_change;
mod email_links;
mod get_user;
// fork:begin(graphql)
mod graphql;
mod graphql_limits;
// fork:end(graphql)
mod health;
mod helpers;
mod http_edge;
mod idempotency;
mod last_admin;
mod list_users;
mod login_throttle;
mod metrics;
mod openapi;
mod outbox;
mod races_and_edges;
mod read_replicas;
mod redis_cluster;
mod relay;
mod relay_outage;
mod startup;
mod token_freshness;
mod update_user;
