//! Test fixtures for anything that runs a real users service: its own test
//! suite and the gateway's. Compiled only with the `testing` feature, which
//! nothing in production enables.
//!
//! | module | holds |
//! |---|---|
//! | [`test_database`] | a database per test, copied from a migrated template |
//! | [`identity`] | the suite's signing key: tokens for any user and role |
//! | [`redis_namespace`] | a Redis key prefix per test, cleaned up after it |

pub mod identity;
pub mod redis_namespace;
pub mod test_database;

pub use identity::{configure_test_auth, mint, sign_claims, test_token_issuer};
pub use redis_namespace::RedisNamespace;
pub use test_database::TestDatabase;
