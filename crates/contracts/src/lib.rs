//! # capstone-contracts
//!
//! Types that cross a service boundary, so that both sides compile against the
//! same definition: today the user [`Role`]; later the JWT claims (auth
//! chapter) and the event envelopes and payloads (messaging chapter).
//!
//! Rules for this crate: plain data, serde and OpenAPI schemas only; no I/O,
//! no dependency on any service. Changing a type here is changing a wire
//! format: add fields, never repurpose them.

mod role;

pub use role::{Role, UnknownRole};
