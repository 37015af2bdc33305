//! Test fixtures every service's tests share. Compiled only with the
//! `testing` feature, which nothing in production enables (and for this
//! crate's own unit tests). docs/src/testing.md ("The harness") explains
//! them.
//!
//! | module | holds |
//! |---|---|
//! | [`test_database`] | a database per test, copied from a migrated template |
//! | [`redis_namespace`] | a Redis key prefix per test, its keys deleted after it |
//! | [`cuttable_proxy`] | a TCP proxy a test cuts, to take a dependency away |
//! | [`replicated_postgres`] | a Postgres primary and streaming replica on spare ports, for replica reads |
//! | [`redis_cluster`] | a Redis Cluster of three masters and three replicas on spare ports, for hash slots and failover |
//! | [`exposition`] | a strict reader of `/metrics` text, with the naming conventions checked |
//! | [`eventually`](mod@eventually) | bounded polling: how a test waits for what happens later |
//! | [`logs`], [`traces`], [`thread_subscriber`] | log lines and spans captured in memory |
//! | [`tls`], [`tls_terminator`] | a test certificate authority and TLS in front of a plain server |

pub mod cuttable_proxy;
pub mod eventually;
pub mod exposition;
pub mod logs;
pub mod redis_cluster;
pub mod redis_namespace;
pub mod replicated_postgres;
pub mod test_database;
pub mod thread_subscriber;
pub mod tls;
pub mod tls_terminator;
pub mod traces;

pub use cuttable_proxy::CuttableProxy;
pub use eventually::{PATIENCE, eventually, eventually_true};
pub use exposition::Exposition;
pub use logs::CapturedLogs;
pub use redis_cluster::RedisCluster;
pub use redis_namespace::RedisNamespace;
pub use replicated_postgres::ReplicatedPostgres;
pub use test_database::TestDatabase;
pub use thread_subscriber::set_thread_default;
pub use tls::TestCa;
pub use tls_terminator::TlsTerminator;
