//! Authentication: proving who a caller is.
//!
//! | module | role |
//! |---|---|
//! | [`password_hasher`] | argon2id hashing and constant-cost verification |
//!
//! Explained in docs/src/security.md.

pub mod password_hasher;

pub use password_hasher::{Argon2Settings, PasswordHashError, PasswordHasher};
