//! The outbox relay: a background task of the users service that publishes
//! committed events to RabbitMQ.
//!
//! ```text
//! loop:                                   (reconnects with backoff)
//!   connect to RabbitMQ, open a confirm-mode channel, declare the exchange
//!   LISTEN outbox on a dedicated Postgres connection
//!   loop:
//!     drain: claim a batch (FOR UPDATE SKIP LOCKED) → publish → confirms →
//!            mark sent → commit; repeat while batches come back full
//!     prune sent rows past the retention, when due
//!     sleep until: a NOTIFY, or the poll interval, or shutdown
//! ```
//!
//! The outer loop is the platform's `amqp::SessionLoop`, the worker's too.
//! While RabbitMQ is away the loop waits in `connect_until_up`, and events
//! simply accumulate in the outbox; nothing is lost, the HTTP API is
//! unaffected (readiness says `degraded`). Each failure is counted and noted
//! on the waiting rows (`relay_failures`), so the outage shows where
//! operators look.

use std::{pin::Pin, time::Duration};

use capstone_platform::{
    Shutdown,
    amqp::{self, BrokerState, Session, SessionLoop},
    database::connect_once,
    settings::{AmqpSettings, DatabaseSettings},
};
use chrono::TimeDelta;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::time::Instant;

use super::{OutboxSettings, publisher::Publisher, relay_failures::RelayFailures};
use crate::{
    metrics::{RelayFailureKind, UsersMetrics},
    repo::{OutboxRepository, outbox::ClaimError},
};

/// Everything the relay needs; [`Relay::run`] consumes it.
#[derive(Debug, Clone)]
pub struct Relay {
    pub outbox: OutboxRepository,
    pub amqp: AmqpSettings,
    pub database: DatabaseSettings,
    pub settings: OutboxSettings,
    pub broker: BrokerState,
    /// Counts what was published and what failed (`/metrics`).
    pub metrics: UsersMetrics,
}

/// Why a session with the broker ended (other than shutdown).
#[derive(Debug, thiserror::Error)]
enum SessionEnded {
    #[error("AMQP: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("the broker connection closed")]
    ConnectionLost,
}

type Notifications<'a> =
    Pin<Box<dyn Stream<Item = diesel::QueryResult<diesel::pg::PgNotification>> + Send + 'a>>;

impl Relay {
    // ANCHOR: run
    /// Runs until `shutdown`: connect, publish, and reconnect (with
    /// backoff) after any broker failure, each failure counted and noted on
    /// the waiting rows. The batch in progress when shutdown comes finishes.
    pub async fn run(self, shutdown: Shutdown) {
        let failures = RelayFailures::new(self.outbox.clone(), self.metrics.clone());
        let sessions = SessionLoop {
            settings: &self.amqp,
            connection_name: "capstone-users-relay",
            broker: &self.broker,
            observer: &failures,
        };
        sessions
            .run(&shutdown, |session| self.session(session, &failures))
            .await;
        tracing::info!("outbox relay stopped");
    }
    // ANCHOR_END: run

    /// One connection's worth of work; `Ok` means shutdown was requested.
    async fn session(
        &self,
        session: Session,
        failures: &RelayFailures,
    ) -> Result<(), SessionEnded> {
        let (connection, shutdown) = (session.connection(), session.shutdown());
        let publisher = Publisher::open(connection, &self.amqp).await?;
        session.established();
        tracing::info!(exchange = %amqp::events_exchange(&self.amqp), "outbox relay connected");

        // Without the listening connection the relay still works, by polling.
        let mut listener = self.listen().await;
        let mut notifications: Option<Notifications<'_>> = listener
            .as_mut()
            .map(|connection| Box::pin(connection.notifications_stream()) as Notifications<'_>);
        let poll = Duration::from_millis(self.settings.poll_interval_ms.max(10));
        let prune_every = Duration::from_secs(self.settings.prune_interval_secs.max(1));
        let mut next_prune = Instant::now();

        loop {
            self.drain(&publisher, failures).await?;
            if Instant::now() >= next_prune {
                self.prune().await;
                next_prune = Instant::now() + prune_every;
            }
            if shutdown.is_triggered() {
                return Ok(());
            }
            let woken_by_notify = match notifications.as_mut() {
                Some(stream) => stream.next().map(Some).boxed(),
                None => std::future::pending().boxed(),
            };
            tokio::select! {
                notified = woken_by_notify => {
                    if matches!(notified, Some(None) | Some(Some(Err(_)))) {
                        tracing::warn!("outbox LISTEN connection lost: polling only until reconnect");
                        notifications = None;
                    }
                }
                () = tokio::time::sleep(poll) => {}
                () = shutdown.triggered() => return Ok(()),
            }
            if !publisher.is_open() || !connection.status().connected() {
                return Err(SessionEnded::ConnectionLost);
            }
        }
    }

    // ANCHOR: drain
    /// Publishes batches until a batch comes back short: the outbox is
    /// empty, or what is left is locked by another relay, or unroutable.
    /// Counting *confirmed* events matters: a full batch of unroutable ones
    /// (no queue bound yet) would otherwise be re-published in a tight loop.
    async fn drain(
        &self,
        publisher: &Publisher,
        failures: &RelayFailures,
    ) -> Result<(), SessionEnded> {
        let limit = i64::from(self.settings.batch_size.max(1));
        loop {
            let claimed = self
                .outbox
                .claim_and_publish(limit, async |events| publisher.publish_all(&events).await)
                .await;
            if let Ok(count) = claimed {
                self.metrics.outbox_published(count);
            }
            match claimed {
                Ok(count) if usize::try_from(limit).is_ok_and(|limit| count == limit) => continue,
                Ok(_) => return Ok(()),
                Err(ClaimError::Publish(error)) => {
                    failures
                        .record(RelayFailureKind::Publish, &error.to_string())
                        .await;
                    return Err(error.into());
                }
                Err(ClaimError::Repo(error)) => {
                    // Postgres trouble is not a broker problem: keep the
                    // connection, try again on the next wake-up.
                    tracing::warn!(%error, "outbox relay cannot read the outbox");
                    return Ok(());
                }
            }
        }
    }
    // ANCHOR_END: drain

    async fn listen(&self) -> Option<AsyncPgConnection> {
        let timeout = Duration::from_millis(self.database.acquire_timeout_ms);
        let mut connection = match connect_once(&self.database, timeout).await {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, "outbox relay cannot LISTEN: polling only");
                return None;
            }
        };
        match diesel::sql_query("LISTEN outbox")
            .execute(&mut connection)
            .await
        {
            Ok(_) => Some(connection),
            Err(error) => {
                tracing::warn!(%error, "outbox relay cannot LISTEN: polling only");
                None
            }
        }
    }

    async fn prune(&self) {
        let retention =
            TimeDelta::seconds(i64::try_from(self.settings.retention_secs).unwrap_or(i64::MAX));
        match self.outbox.prune(retention).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "pruned sent outbox events"),
            Err(error) => tracing::warn!(%error, "cannot prune the outbox"),
        }
    }
}
