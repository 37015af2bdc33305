//! Handlers that misbehave on purpose, wrapped around the real ones, and
//! small waiting helpers.
//!
//! | item | does |
//! |---|---|
//! | [`wrap`] | replaces one concern's handler with a wrapper around it |
//! | [`Flaky`] | fails transiently the first N calls, recording each call |
//! | [`Switchable`] | fails transiently while switched off |
//! | [`Slow`] | takes its time, and says when it started and finished |
//! | [`Recording`] | records each outcome |

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use capstone_worker::{
    Concern, Handlers,
    handlers::{Handler, HandlerError, Outcome, Received},
    testing::{PATIENCE, TestWorker, eventually},
};
use futures_util::future::BoxFuture;

/// `adjust_handlers` for `build_with`: `concern`'s handler becomes
/// `make(original)`, the others stay.
pub fn wrap(
    concern: Concern,
    make: impl FnOnce(Arc<dyn Handler>) -> Arc<dyn Handler>,
) -> impl FnOnce(Handlers) -> Handlers {
    move |handlers| {
        let mut make = Some(make);
        handlers
            .into_iter()
            .map(|handler| {
                if handler.concern() == concern
                    && let Some(make) = make.take()
                {
                    make(handler)
                } else {
                    handler
                }
            })
            .collect()
    }
}

/// One call a wrapper saw.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub at: Instant,
    pub attempt: u64,
}

/// Fails with a transient error the first `failures` calls, then delegates.
pub struct Flaky {
    inner: Arc<dyn Handler>,
    failures_left: AtomicU32,
    pub calls: Mutex<Vec<Call>>,
}

impl Flaky {
    pub fn new(inner: Arc<dyn Handler>, failures: u32) -> Self {
        Self {
            inner,
            failures_left: AtomicU32::new(failures),
            calls: Mutex::new(Vec::new()),
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("not poisoned").clone()
    }
}

impl Handler for Flaky {
    fn concern(&self) -> Concern {
        self.inner.concern()
    }

    fn handle<'a>(
        &'a self,
        received: &'a Received,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        self.calls.lock().expect("not poisoned").push(Call {
            at: Instant::now(),
            attempt: received.attempt,
        });
        let fail = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if fail {
            return Box::pin(async { Err(HandlerError::Transient("flaky on purpose".into())) });
        }
        self.inner.handle(received)
    }
}

/// Fails transiently while `broken`; delegates once switched back.
pub struct Switchable {
    inner: Arc<dyn Handler>,
    pub broken: AtomicBool,
}

impl Switchable {
    pub fn broken(inner: Arc<dyn Handler>) -> Self {
        Self {
            inner,
            broken: AtomicBool::new(true),
        }
    }

    pub fn repair(&self) {
        self.broken.store(false, Ordering::SeqCst);
    }
}

impl Handler for Switchable {
    fn concern(&self) -> Concern {
        self.inner.concern()
    }

    fn handle<'a>(
        &'a self,
        received: &'a Received,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        if self.broken.load(Ordering::SeqCst) {
            return Box::pin(async { Err(HandlerError::Transient("downstream is down".into())) });
        }
        self.inner.handle(received)
    }
}

/// Takes `delay` before delegating; records that it started and finished.
pub struct Slow {
    inner: Arc<dyn Handler>,
    delay: Duration,
    pub started: AtomicBool,
    pub finished: AtomicBool,
}

impl Slow {
    pub fn new(inner: Arc<dyn Handler>, delay: Duration) -> Self {
        Self {
            inner,
            delay,
            started: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        }
    }
}

impl Handler for Slow {
    fn concern(&self) -> Concern {
        self.inner.concern()
    }

    fn handle<'a>(
        &'a self,
        received: &'a Received,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        Box::pin(async move {
            self.started.store(true, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let outcome = self.inner.handle(received).await;
            self.finished.store(true, Ordering::SeqCst);
            outcome
        })
    }
}

/// Waits until `queue` holds `count` ready messages.
pub async fn wait_for_queue_length(worker: &TestWorker, queue: &str, count: u32) {
    eventually(
        &format!("{count} message(s) in {queue}"),
        PATIENCE,
        || async move {
            // The length seen last is what the failure message shows.
            let length = worker.broker.queue_length(queue).await;
            if length == count { Ok(()) } else { Err(length) }
        },
    )
    .await;
}

/// Delegates, and records each outcome once the inner handler finished.
pub struct Recording {
    inner: Arc<dyn Handler>,
    pub outcomes: Mutex<Vec<Result<Outcome, HandlerError>>>,
}

impl Recording {
    pub fn new(inner: Arc<dyn Handler>) -> Self {
        Self {
            inner,
            outcomes: Mutex::new(Vec::new()),
        }
    }

    pub fn outcomes(&self) -> Vec<Result<Outcome, HandlerError>> {
        self.outcomes.lock().expect("not poisoned").clone()
    }
}

impl Handler for Recording {
    fn concern(&self) -> Concern {
        self.inner.concern()
    }

    fn handle<'a>(
        &'a self,
        received: &'a Received,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        Box::pin(async move {
            let outcome = self.inner.handle(received).await;
            self.outcomes
                .lock()
                .expect("not poisoned")
                .push(outcome.clone());
            outcome
        })
    }
}

/// The [`Recording`]s [`record_every_handler`] made, one per concern.
pub type Recordings = Arc<Mutex<Vec<Arc<Recording>>>>;

/// `adjust_handlers` that wraps every handler in a [`Recording`] kept in `store`.
pub fn record_every_handler(store: Recordings) -> impl FnOnce(Handlers) -> Handlers {
    move |handlers| {
        handlers
            .into_iter()
            .map(|inner| {
                let recording = Arc::new(Recording::new(inner));
                store
                    .lock()
                    .expect("not poisoned")
                    .push(Arc::clone(&recording));
                recording as Arc<dyn Handler>
            })
            .collect()
    }
}
