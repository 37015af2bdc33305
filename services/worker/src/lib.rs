//! # capstone-worker
//!
//! The worker: consumes user events from RabbitMQ and applies them, once
//! each, whatever the broker redelivers: emails to users and the audit
//! trail. Failures are retried after growing delays and, when retrying
//! cannot help, parked in a dead-letter queue for `capstone dlq`.
//!
//! | module | role |
//! |---|---|
//! | [`settings`] | what the worker reads from config files and env |
//! | [`startup`] | `Application::build` → bound health server → `run_until_stopped` |
//! | [`topology`] | exchange, work, retry and dead-letter queues: names, quorum arguments, declaration, migration from classic queues |
//! | [`consumer`] | connection loop, one consumer per concern, bounded concurrency, pause while a dependency is down, drain |
//! | [`dependencies`] | the worker's own dependencies (Postgres, SMTP) and their probes |
//! | `delivery` | one delivery: decode, handle, then ack, retry or dead-letter |
//! | [`republish`] | confirmed copies of a message to a queue; the header names |
//! | [`handlers`] | what each concern does with an event (email, audit) |
//! | `email` | composing and sending emails (file or SMTP sink) |
//! | [`metrics`] | its Prometheus names (messages per queue, handler latency) and `/metrics` samplers |
//! | [`repo`] | diesel queries: audit trail, processed-event ids |
//! | [`dead_letters`] | list and replay dead letters (`capstone dlq`) |
//! | `pruner` | deletes processed-event ids older than `worker.processed_retention_secs`, on a schedule |
//! | [`migrations`] | embedded schema migrations of the worker's own database |
//! | `testing` | fixtures for tests (feature `testing`): broker namespace, settings, publisher |
//!
//! Dependencies point one way: consumer → delivery → handlers → repo/email.
//! Chapters: docs/src/events-and-the-broker.md (events, idempotent consumers),
//! docs/src/retries-and-dead-letters.md (retries, dead letters).

pub mod consumer;
pub mod dead_letters;
mod delivery;
pub mod dependencies;
pub mod email;
pub mod handlers;
pub mod metrics;
pub mod migrations;
mod pruner;
pub mod repo;
pub mod republish;
mod schema;
pub mod settings;
pub mod startup;
#[cfg(feature = "testing")]
pub mod testing;
pub mod topology;

pub use settings::{Settings, WorkerSettings};
pub use startup::{Application, Handlers, StartupError};
pub use topology::{Concern, DELIVERY_LIMIT, QueueNames, Topology};
