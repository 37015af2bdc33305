//! One reconnecting AMQP session loop, shared by the users service's outbox
//! relay and the worker's consumers (one copy, so both back off the same way).
//!
//! ```text
//! loop:
//!   connect_until_up            (backoff between attempts; each failure → observer)
//!   run the caller's session    (until shutdown: Ok, or until it breaks: Err)
//!   readiness down, close the connection (bounded: 2 s)
//!   Ok → return;  Err → log, back off, reconnect
//! ```
//!
//! The backoff *between sessions* is what stops a session that breaks right
//! after connecting (a topology the broker refuses, a channel it closes at
//! once) from spinning: connecting works, so `connect_until_up` never waits.
//! It resets after a session the caller reported [`Session::established`]
//! or that ran for a while, so a broker restart after a calm day costs a
//! short pause, not the largest delay.
//!
//! Depends on lapin only through [`Transport`], so the loop's backoff and
//! stop behaviour are tested here without a broker.

use std::{
    fmt::Display,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use lapin::Connection;
use tokio::time::Instant;

use super::{BrokerState, connect_until_up};
use crate::{Shutdown, backoff::Backoff, settings::AmqpSettings};

/// How long a session must last to count as healthy even if it never said
/// [`Session::established`]: longer than any setup takes, so it did not
/// break while setting up.
const HEALTHY_AFTER: Duration = Duration::from_secs(30);

/// A half-dead connection may never answer a close: give it this long.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Told about every failure to get a usable connection, for callers that
/// record more than the log (the relay notes it on unsent outbox rows).
pub trait ConnectionObserver: Sync {
    /// A connection attempt failed, or a session broke before it was
    /// established (the broker accepted the connection, not the setup).
    /// Awaited before the next attempt: keep it short.
    fn connect_failed(&self, reason: &str) -> impl Future<Output = ()> + Send;
}

/// The observer of callers that only need the log lines.
impl ConnectionObserver for () {
    fn connect_failed(&self, _reason: &str) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
}

/// What a session gets: its connection, the shutdown signal, and a way to
/// say "ready" (readiness up, backoff reset). Owned (the connection shared
/// with the loop, which closes it afterwards), so a session's future
/// borrows only its caller: async closures over borrowed sessions cannot
/// always be proven `Send` (the worker's could not).
pub struct Session<C = Connection> {
    connection: Arc<C>,
    shutdown: Shutdown,
    broker: BrokerState,
    established: Arc<AtomicBool>,
}

impl<C> std::fmt::Debug for Session<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("established", &self.was_established())
            .finish_non_exhaustive()
    }
}

impl<C> Session<C> {
    pub fn connection(&self) -> &C {
        &self.connection
    }

    /// Trips when the process stops; the session then returns `Ok`.
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// The session is set up (channels open, topology declared): readiness
    /// reports the broker up, and the next break starts the backoff afresh.
    pub fn established(&self) {
        self.broker.set_connected(true);
        self.established.store(true, Ordering::Relaxed);
    }

    fn was_established(&self) -> bool {
        self.established.load(Ordering::Relaxed)
    }
}

// ANCHOR: session_loop
/// Runs a caller's session on a broker connection, reconnecting until
/// shutdown. Build it where the loop starts; [`run`](Self::run) returns
/// once the session returned `Ok` (shutdown) or shutdown came while
/// connecting or backing off.
pub struct SessionLoop<'a, O = ()> {
    pub settings: &'a AmqpSettings,
    /// The name the management UI shows for the connection.
    pub connection_name: &'a str,
    /// Set up by [`Session::established`], down whenever a session ends.
    pub broker: &'a BrokerState,
    pub observer: &'a O,
}

impl<O> std::fmt::Debug for SessionLoop<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLoop")
            .field("connection_name", &self.connection_name)
            .finish_non_exhaustive()
    }
}

impl<O: ConnectionObserver> SessionLoop<'_, O> {
    /// `session` owns one connection's life: `Ok` when `shutdown` tripped,
    /// `Err(reason)` when something broke (the loop logs the reason).
    ///
    pub async fn run<E: Display, F: Future<Output = Result<(), E>>>(
        &self,
        shutdown: &Shutdown,
        session: impl FnMut(Session) -> F,
    ) {
        let mut transport = LapinTransport(self);
        let backoff = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(self.settings.reconnect_max_delay_ms.max(100)),
        };
        reconnect_loop(&mut transport, self.broker, shutdown, backoff, session).await;
    }
}
// ANCHOR_END: session_loop

/// Connecting and closing: lapin in production, a fake in the tests below.
trait Transport {
    type Connection;
    /// A connection, or `None` once shutdown began.
    async fn connect(&mut self, shutdown: &Shutdown) -> Option<Self::Connection>;
    async fn close(&mut self, connection: &Self::Connection);
    async fn connect_failed(&mut self, reason: &str);
    fn name(&self) -> &str;
}

struct LapinTransport<'l, 'a, O>(&'l SessionLoop<'a, O>);

impl<O: ConnectionObserver> Transport for LapinTransport<'_, '_, O> {
    type Connection = Connection;

    async fn connect(&mut self, shutdown: &Shutdown) -> Option<Connection> {
        let SessionLoop {
            settings,
            connection_name,
            observer,
            ..
        } = self.0;
        connect_until_up(settings, connection_name, shutdown, *observer).await
    }

    async fn close(&mut self, connection: &Connection) {
        if connection.status().connected() {
            let close = connection.close(200, "session ended".into());
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, close).await;
        }
    }

    async fn connect_failed(&mut self, reason: &str) {
        self.0.observer.connect_failed(reason).await;
    }

    fn name(&self) -> &str {
        self.0.connection_name
    }
}

async fn reconnect_loop<T: Transport, E: Display, F: Future<Output = Result<(), E>>>(
    transport: &mut T,
    broker: &BrokerState,
    shutdown: &Shutdown,
    backoff: Backoff,
    mut session: impl FnMut(Session<T::Connection>) -> F,
) {
    let mut between_sessions = SessionBackoff { failures: 0 };
    while let Some(connection) = transport.connect(shutdown).await {
        let started = Instant::now();
        let connection = Arc::new(connection);
        let established = Arc::new(AtomicBool::new(false));
        let ended = session(Session {
            connection: Arc::clone(&connection),
            shutdown: shutdown.clone(),
            broker: broker.clone(),
            established: Arc::clone(&established),
        })
        .await;
        let established = established.load(Ordering::Relaxed);
        broker.set_connected(false);
        transport.close(&connection).await;
        let Err(reason) = ended else { break };
        let reason = reason.to_string();
        if !established {
            transport.connect_failed(&reason).await;
        }
        let retry = between_sessions.next_retry(established, started.elapsed());
        let delay = backoff.random_delay(retry);
        tracing::warn!(name = transport.name(), %reason, established,
            retry_in_ms = delay.as_millis() as u64, "AMQP session broke; reconnecting");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.triggered() => break,
        }
    }
    broker.set_connected(false);
    tracing::info!(name = transport.name(), "AMQP session loop stopped");
}

/// Counts consecutive unhealthy sessions: the retry number of the backoff.
struct SessionBackoff {
    failures: u32,
}

impl SessionBackoff {
    /// The retry number to wait for after a broken session; a healthy one
    /// (established, or long-lived) starts the count afresh.
    fn next_retry(&mut self, established: bool, ran_for: Duration) -> u32 {
        if established || ran_for >= HEALTHY_AFTER {
            self.failures = 0;
        }
        let retry = self.failures.min(16);
        self.failures = self.failures.saturating_add(1);
        retry
    }
}

#[cfg(test)]
#[path = "session_loop_tests.rs"]
mod tests;
