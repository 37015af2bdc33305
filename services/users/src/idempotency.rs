//! `Idempotency-Key`: a POST that creates something or sends an email,
//! made safe to retry (draft-ietf-httpapi-idempotency-key-header).
//!
//! A client that lost the answer to a POST cannot tell whether it ran: the
//! user may exist, the email may be on its way. Sent again with the same
//! key, the request is not run again: the first answer is replayed, byte
//! for byte, marked `Idempotent-Replayed: true`. So a client can retry
//! until it gets an answer, and the effect happens once.
//!
//! | module | role |
//! |---|---|
//! | [`key`] | the header: 1 to 255 visible ASCII characters |
//! | [`fingerprint`] | SHA-256 of method, path and body: "the same request" |
//! | [`record`] | what Redis holds: a claim, then the stored response |
//! | [`store`] | claim, complete, release, atomically, in Redis |
//! | [`middleware`] | the rules, around each resource that takes the header |
//! | [`settings`] | `[users.idempotency]`: retention and claim lifetimes |
//!
//! Keys live in Redis, which the service already has: they expire by
//! themselves (TTL), and every instance sees the same ones. Without Redis
//! a request that carries a key gets a 503; one without is not affected.
//! Explained in docs/src/api-design.md ("Idempotency keys").

pub mod fingerprint;
pub mod key;
pub mod middleware;
pub mod record;
pub mod settings;
pub mod store;

pub use fingerprint::Fingerprint;
pub use key::{IDEMPOTENCY_KEY_HEADER, IdempotencyKey, InvalidKey, REPLAYED_HEADER};
pub use middleware::idempotent;
pub use record::StoredResponse;
pub use settings::IdempotencySettings;
pub use store::{Caller, Claim, IdempotencyStore, StoreError, Ticket};
