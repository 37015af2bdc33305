//! A subscriber for the current thread only, that other threads' first
//! events cannot switch off.
//!
//! `tracing` caches, per call site, whether any subscriber wants it. When a
//! call site is first reached while exactly one subscriber is registered,
//! `tracing-core` asks only the *current thread's* subscriber; on a thread
//! with none the answer is "never", cached for the whole process. So with a
//! test's thread-local subscriber as the only one, another test reaching a
//! span first (a query, a Redis command) would silence that span in this
//! test too, now and then. A second subscriber that lives forever keeps
//! `tracing-core` asking every registered subscriber, and the answer is
//! then "sometimes": decided per call, on each thread, by its own.

use std::sync::OnceLock;

use tracing::{
    Dispatch, Subscriber,
    subscriber::{DefaultGuard, NoSubscriber},
};

/// Installs `subscriber` for the current thread until the guard drops.
pub fn set_thread_default<S>(subscriber: S) -> DefaultGuard
where
    S: Subscriber + Send + Sync + 'static,
{
    static ALWAYS_REGISTERED: OnceLock<Dispatch> = OnceLock::new();
    ALWAYS_REGISTERED.get_or_init(|| Dispatch::new(NoSubscriber::default()));
    tracing::subscriber::set_default(subscriber)
}
