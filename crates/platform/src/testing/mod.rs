//! Test fixtures every service's tests share. Compiled only with the
//! `testing` feature, which nothing in production enables.

pub mod cuttable_proxy;
pub mod test_database;
pub mod traces;

pub use cuttable_proxy::CuttableProxy;
pub use test_database::TestDatabase;
