//! Integration tests of the worker: one binary, one module per feature.
//! Every test runs a real worker against real RabbitMQ and Postgres, each
//! with its own broker prefix, database and email directory (see
//! `capstone_worker::testing`), all removed afterwards. `TEST_LOG=1` shows
//! the worker's logs.

// A test binary has no public API: `pub` here only shares helpers between
// modules, which is what these two lints would otherwise flag.
#![allow(unreachable_pub, missing_debug_implementations)]

mod applying;
mod database_outage;
mod dead_letter_replay;
mod duplicates;
mod health;
mod helpers;
mod metrics;
mod poison;
mod queue_migration;
mod quorum_queues;
mod reconnection;
mod retries;
mod shutdown;
