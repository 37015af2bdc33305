//! Test fixtures for anything that runs a real users service: its own test
//! suite and the gateway's. Compiled only with the `testing` feature, which
//! nothing in production enables.
//!
//! | module | holds |
//! |---|---|
//! | [`TestDatabase`] | a database per test, copied from a migrated template (from `platform`; pass [`crate::migrations::MIGRATIONS`]) |
//! | [`accounts`] | accounts made in SQL: the first admin |
//! | [`identity`] | the suite's signing key: tokens for any user and role |
//! | [`RedisNamespace`] | a Redis key prefix per test, cleaned up after it (from `platform`) |

pub mod accounts;
pub mod identity;

pub use accounts::insert_admin;
pub use capstone_platform::testing::{RedisNamespace, TestDatabase};
pub use identity::{
    configure_test_auth, mint, sign_claims, test_sealing_settings, test_token_issuer,
};
