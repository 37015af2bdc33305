//! The users service's side of events: what it announces, and the relay that
//! moves announcements from the outbox table to RabbitMQ.
//!
//! | part | role |
//! |---|---|
//! | [`announce`] | which event a change makes, with the request's correlation and trace ids |
//! | [`crate::repo::outbox`] | `enqueue` (inside the change's transaction), claim, mark sent, prune |
//! | [`relay`] | background task: wake on NOTIFY or poll, publish with confirms, mark sent |
//! | [`publisher`] | one AMQP channel in confirm mode: persistent, mandatory publishes |
//! | `relay_failures` | the relay's failures: counted, and noted on the waiting outbox rows (throttled) |
//! | [`settings`] | `[users.outbox]`: batch size, polling, retention |
//!
//! Explained in docs/src/events-and-the-broker.md (the outbox and its relay).

pub mod announce;
pub mod publisher;
pub mod relay;
mod relay_failures;
pub mod settings;

pub use announce::EventOrigin;
pub use relay::Relay;
pub use settings::OutboxSettings;
