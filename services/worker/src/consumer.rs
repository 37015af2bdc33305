//! The consuming loop: one connection, one channel and consumer per
//! handler, bounded concurrency, reconnection, graceful drain.
//!
//! ```text
//! loop:  connect (backoff until up) → migrate old queues → declare topology
//!        → consume each concern
//!        ↳ a handler cannot reach the worker's own database or mail server:
//!          that consumer pauses until it answers (`pause.rs`)
//!        ↳ the connection or a channel breaks: readiness down, reconnect
//!        ↳ shutdown: cancel consumers, finish in-flight work, close, return
//! ```
//!
//! Why our own loop rather than lapin's automatic recovery: the loop is
//! the same one the users service's relay runs, it redeclares the topology
//! every time (the broker may have lost it), and readiness follows it
//! exactly. Deliveries in flight on a dead channel are redelivered by
//! RabbitMQ; handlers are idempotent, so that is safe.

mod drain;
mod pause;

use std::{sync::Arc, time::Duration};

use capstone_platform::{Shutdown, amqp, backoff::Backoff, settings::AmqpSettings};
use futures_util::{StreamExt, future::join_all};
use lapin::{
    Channel, Connection,
    options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions},
    types::FieldTable,
};
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    delivery::{DeliveryContext, process},
    dependencies::DependencyProbes,
    handlers::Handler,
    metrics::WorkerMetrics,
    topology::{QueueNames, Topology, migration},
};
use pause::{PauseEnded, outage_of};

/// The connection name the management UI shows.
pub const CONNECTION_NAME: &str = "capstone-worker";

/// How long in-flight messages may take to finish once shutdown starts.
/// Longer than any handler should take (an SMTP send is bounded by its own
/// timeout, 5 s by default), shorter than the 30 s Kubernetes waits before
/// SIGKILL. What is still running then is abandoned unacked: the broker
/// redelivers it to another instance.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a paused consumer asks its dependency whether it answers:
/// soon at first (most outages are a restart), then every 5 s at most, so
/// a long outage costs the dependency one probe per concern every 5 s.
const PROBE_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(100),
    max: Duration::from_secs(5),
};

/// Everything the loop needs, built once at startup.
pub(crate) struct Consumers {
    pub(crate) amqp: AmqpSettings,
    pub(crate) topology: Topology,
    pub(crate) handlers: Vec<Arc<dyn Handler>>,
    pub(crate) prefetch: u16,
    pub(crate) concurrency: usize,
    pub(crate) state: amqp::BrokerState,
    /// What a paused consumer probes until it answers.
    pub(crate) probes: DependencyProbes,
    /// This instance's registry (`/metrics`).
    pub(crate) metrics: WorkerMetrics,
}

/// Handlers are trait objects without `Debug`: their concerns stand for them.
impl std::fmt::Debug for Consumers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let concerns: Vec<_> = self
            .handlers
            .iter()
            .map(|handler| handler.concern())
            .collect();
        f.debug_struct("Consumers")
            .field("concerns", &concerns)
            .field("prefetch", &self.prefetch)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// Why a session (one connection's life) ended, when not by shutdown. The
/// session loop logs it and reconnects after a backoff.
#[derive(Debug, thiserror::Error)]
enum Broken {
    #[error("AMQP: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("moving the classic queues: {0}")]
    Migration(#[from] migration::MigrationError),
    #[error("the broker cancelled the consumer")]
    Cancelled,
}

impl Consumers {
    // ANCHOR: run
    /// Consumes until `shutdown` trips, reconnecting whenever the broker
    /// goes away. Returns once everything in flight is settled (or the
    /// drain timed out) and the connection is closed.
    pub(crate) async fn run(self, shutdown: Shutdown) {
        // The platform's loop, the relay's too: it backs off between broken
        // sessions (a topology the broker refuses would otherwise spin),
        // closes each connection (bounded) and drops readiness with it.
        let sessions = amqp::SessionLoop {
            settings: &self.amqp,
            connection_name: CONNECTION_NAME,
            broker: &self.state,
            observer: &(),
        };
        sessions
            .run(&shutdown, |session| self.session(session))
            .await;
        tracing::info!("consumers stopped");
    }
    // ANCHOR_END: run

    /// One connection's life: topology, consumers, until shutdown (`Ok`) or
    /// until something breaks (`Err`).
    async fn session(&self, session: amqp::Session) -> Result<(), Broken> {
        let (connection, shutdown) = (session.connection(), session.shutdown());
        // Queues left with other arguments (the classic ones before quorum
        // queues) would make the declaration below fail: move them first.
        migration::migrate(connection, &self.topology, &self.amqp).await?;
        let setup = connection.create_channel().await?;
        self.topology.declare(&setup, &self.amqp).await?;
        let _ = setup.close(200, "topology declared".into()).await;

        let mut consumers = Vec::with_capacity(self.handlers.len());
        for handler in &self.handlers {
            consumers.push(self.start_consumer(connection, Arc::clone(handler)).await?);
        }
        // Readiness up, and the loop's backoff starts afresh.
        session.established();
        let concerns: Vec<&str> = self.handlers.iter().map(|h| h.concern().as_str()).collect();
        tracing::info!(?concerns, "consuming");

        // One stop signal for this session: shutdown, or any consumer
        // breaking (then the others stop too and the loop reconnects).
        let stop = Shutdown::new();
        let forward_shutdown = async {
            tokio::select! {
                () = shutdown.triggered() => stop.trigger(),
                () = stop.triggered() => {}
            }
        };
        let runs = consumers
            .into_iter()
            .map(|consumer| consumer.run(self.concurrency, &stop));
        let (results, ()) = tokio::join!(join_all(runs), forward_shutdown);
        match results.into_iter().find_map(Result::err) {
            Some(broken) if !shutdown.is_triggered() => Err(broken),
            _ => Ok(()),
        }
    }

    async fn start_consumer(
        &self,
        connection: &Connection,
        handler: Arc<dyn Handler>,
    ) -> Result<RunningConsumer, Broken> {
        let queues = self.topology.queues(handler.concern()).clone();
        let channel = connection.create_channel().await?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await?;
        // Retries and dead letters are published on this channel: confirms
        // tell us when acking the original is safe.
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let stream = start_consuming(&channel, &queues).await?;
        self.metrics.consumer_resumed(&queues.work);
        Ok(RunningConsumer {
            context: Arc::new(DeliveryContext {
                channel,
                handler,
                queues,
                metrics: self.metrics.clone(),
            }),
            stream,
            probes: self.probes.clone(),
        })
    }
}

/// Consumes the work queue of `queues` on `channel`, with manual acks.
async fn start_consuming(
    channel: &Channel,
    queues: &QueueNames,
) -> Result<lapin::Consumer, lapin::Error> {
    channel
        .basic_consume(
            queues.work.as_str().into(),
            format!("{CONNECTION_NAME}.{}", queues.concern).into(),
            BasicConsumeOptions::default(), // manual acks
            FieldTable::default(),
        )
        .await
}

/// One concern's consumer on its own channel.
struct RunningConsumer {
    context: Arc<DeliveryContext>,
    stream: lapin::Consumer,
    /// What it probes while paused.
    probes: DependencyProbes,
}

impl RunningConsumer {
    // ANCHOR: consume
    /// Takes deliveries while fewer than `concurrency` are in flight, until
    /// `stop`; pauses while a handler reports its dependency unreachable;
    /// then cancels, drains and closes the channel.
    async fn run(mut self, concurrency: usize, stop: &Shutdown) -> Result<(), Broken> {
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut in_flight = JoinSet::new();
        // A permit first, so a delivery is taken off the stream only when it
        // can start at once; the rest wait in the prefetch buffer.
        let mut permit = None;
        let mut consuming = true;
        let ended = loop {
            tokio::select! {
                biased;
                () = stop.triggered() => break Ok(()),
                Some(finished) = in_flight.join_next() => {
                    let Some(outage) = outage_of(finished) else { continue };
                    match self.pause_until_available(outage, &mut in_flight, stop).await {
                        Ok(PauseEnded::Resumed) => {}
                        Ok(PauseEnded::Stopped) => {
                            consuming = false;
                            break Ok(());
                        }
                        Err(broken) => break Err(broken),
                    }
                }
                acquired = Arc::clone(&permits).acquire_owned(), if permit.is_none() => {
                    permit = Some(acquired.expect("never closed"));
                }
                next = self.stream.next(), if permit.is_some() => match next {
                    Some(Ok(delivery)) => {
                        let context = Arc::clone(&self.context);
                        let permit = permit.take();
                        in_flight.spawn(async move {
                            let settled = process(&context, delivery).await;
                            drop(permit);
                            settled
                        });
                    }
                    Some(Err(error)) => break Err(error.into()),
                    None => break Err(Broken::Cancelled),
                },
            }
        };
        if ended.is_err() {
            stop.trigger();
        }
        self.stop(in_flight, consuming).await;
        ended
    }
    // ANCHOR_END: consume
}
