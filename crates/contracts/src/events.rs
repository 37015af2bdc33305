//! Events: what the users service announces and the worker reacts to.
//!
//! Every message on the broker is one [`Envelope`]: the same outer fields for
//! every event (id, type, version, time, correlation and trace context) and a
//! typed payload inside. JSON on the wire:
//!
//! ```json
//! {"id": "0193…", "type": "user.deleted", "version": 1,
//!  "occurred_at": "2026-11-24T10:00:00Z", "correlation_id": "req-…",
//!  "traceparent": "00-…-01", "payload": {"user_id": "…", …}}
//! ```
//!
//! The `type` doubles as the AMQP routing key, so queues subscribe to events
//! by name (`user.#` for the audit trail). Versions only ever grow: a change
//! that old consumers cannot read is a new version, and a consumer that meets
//! a type or version it does not know dead-letters the message instead of
//! guessing (see [`DecodeError`]). Explained in
//! docs/src/events-and-the-broker.md and docs/src/retries-and-dead-letters.md.

mod envelope;
mod payloads;

pub use envelope::{DecodeError, Envelope, TraceContext};
pub use payloads::{
    Event, LinkKind, PasswordResetRequested, SealedLinkToken, UserDeleted,
    UserEmailChangeRequested, UserEmailChanged, UserEmailVerificationRequested, UserRegistered,
    UserRegistrationAttempted, UserUpdated,
};
