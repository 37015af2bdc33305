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
//! | [`wait_for`] | bounded polling: the way to wait for an asynchronous effect |
//! | [`TestDatabase`] | a database per test (from `platform`; pass [`crate::migrations::MIGRATIONS`]) |

mod classic_topology;
pub mod events;
mod test_broker;
mod test_worker;

use std::{future::Future, time::Duration};

pub use capstone_platform::testing::TestDatabase;
pub use classic_topology::declare_classic_topology;
pub use test_broker::{TEST_RETRY_DELAYS_MS, TestBroker, relay_properties};
pub use test_worker::{EmailDirectory, TestWorker, worker_settings};

/// How long [`wait_for`] waits by default: generous, because a loaded CI
/// machine is slow, and a passing test never waits that long.
pub const PATIENCE: Duration = Duration::from_secs(15);

// ANCHOR: wait_for
/// Polls `check` every 25 ms until it returns `Some`, for at most `within`;
/// panics naming `what` otherwise. Tests wait with this, never with a bare
/// sleep: the test is as fast as the system, and only a real failure waits
/// the whole bound.
pub async fn wait_for<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {within:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
// ANCHOR_END: wait_for
