//! Test fixtures for anything that runs a real worker: its own suite and the
//! end-to-end tests (users + gateway + worker). Compiled only with the
//! `testing` feature, which nothing in production enables.
//!
//! | item | holds |
//! |---|---|
//! | [`TestBroker`] | a RabbitMQ name prefix per test; its queues and exchange deleted afterwards; a publisher that behaves like the users service's relay ([`relay_properties`]) |
//! | [`TestWorker`] | a running worker on its own database, prefix and email directory |
//! | [`declare_classic_topology`] | the classic queues of before quorum queues, for migration tests |
//! | [`EmailDirectory`] | a temporary directory for the file email sink |
//! | [`worker_settings`] | worker settings pointing at those, with short retry delays |
//! | [`events`] | sample events (with link tokens) |
//! | [`eventually()`], [`PATIENCE`] | bounded polling: the way to wait for an asynchronous effect (from `platform`) |
//! | [`TestDatabase`] | a database per test (from `platform`; pass [`crate::migrations::MIGRATIONS`]) |

mod classic_topology;
pub mod events;
mod test_broker;
mod test_worker;

pub use capstone_platform::testing::{PATIENCE, TestDatabase, eventually};
pub use classic_topology::declare_classic_topology;
pub use test_broker::{TEST_RETRY_DELAYS_MS, TestBroker, relay_properties};
pub use test_worker::{EmailDirectory, TestWorker, worker_settings};
