//! # capstone-contracts
//!
//! Types that cross a service boundary, so that both sides compile against the
//! same definition: the user [`Role`] and the access-token claims
//! ([`AccessClaims`]), and the [`events`] on the message broker.
//!
//! Rules for this crate: plain data, serde and OpenAPI schemas only; no I/O,
//! no dependency on any service. Changing a type here is changing a wire
//! format: add fields, never repurpose them.

mod claims;
pub mod events;
mod role;

pub use claims::AccessClaims;
pub use role::{Role, UnknownRole};
