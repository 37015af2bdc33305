//! Test fixtures every service's tests share. Compiled only with the
//! `testing` feature, which nothing in production enables (and for this
//! crate's own unit tests).

pub mod cuttable_proxy;
pub mod logs;
pub mod test_database;
pub mod thread_subscriber;
pub mod tls;
pub mod tls_terminator;
pub mod traces;

pub use cuttable_proxy::CuttableProxy;
pub use logs::CapturedLogs;
pub use test_database::TestDatabase;
pub use thread_subscriber::set_thread_default;
pub use tls::TestCa;
pub use tls_terminator::TlsTerminator;
