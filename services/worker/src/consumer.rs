//! The consuming loop: one connection, one channel and consumer per
//! handler, bounded concurrency, reconnection, graceful drain.
//!
//! ```text
//! loop:  connect (backoff until up) → declare topology → consume each concern
//!        ↳ the connection or a channel breaks: readiness down, reconnect
//!        ↳ shutdown: cancel consumers, finish in-flight work, close, return
//! ```
//!
//! Why our own loop rather than lapin's automatic recovery: the loop is
//! the same one the users service's relay runs, it redeclares the topology
//! every time (the broker may have lost it), and readiness follows it
//! exactly. Deliveries in flight on a dead channel are redelivered by
//! RabbitMQ; handlers are idempotent, so that is safe.

use std::{sync::Arc, time::Duration};

use capstone_platform::{Shutdown, amqp, settings::AmqpSettings};
use futures_util::{StreamExt, future::join_all};
use lapin::{
    Channel, Connection,
    options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions},
    types::FieldTable,
};
use tokio::{sync::Semaphore, task::JoinSet};

use crate::{
    delivery::{DeliveryContext, process},
    handlers::Handler,
    topology::Topology,
};

/// The connection name the management UI shows.
pub const CONNECTION_NAME: &str = "capstone-worker";

/// How long in-flight messages may take to finish once shutdown starts.
/// Longer than any handler should take (an SMTP send is bounded by its own
/// timeout, 5 s by default), shorter than the 30 s Kubernetes waits before
/// SIGKILL. What is still running then is abandoned unacked: the broker
/// redelivers it to another instance.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the loop needs, built once at startup.
pub(crate) struct Consumers {
    pub(crate) amqp: AmqpSettings,
    pub(crate) topology: Topology,
    pub(crate) handlers: Vec<Arc<dyn Handler>>,
    pub(crate) prefetch: u16,
    pub(crate) concurrency: usize,
    pub(crate) state: amqp::BrokerState,
}

/// Why a session (one connection's life) ended, when not by shutdown.
type Broken = String;

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
        let setup = connection.create_channel().await.map_err(describe)?;
        self.topology
            .declare(&setup, &self.amqp)
            .await
            .map_err(describe)?;
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
        let concern = handler.concern();
        let queues = self.topology.queues(concern).clone();
        let channel = connection.create_channel().await.map_err(describe)?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await
            .map_err(describe)?;
        // Retries and dead letters are published on this channel: confirms
        // tell us when acking the original is safe.
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(describe)?;
        let stream = channel
            .basic_consume(
                queues.work.as_str().into(),
                format!("{CONNECTION_NAME}.{concern}").into(),
                BasicConsumeOptions::default(), // manual acks
                FieldTable::default(),
            )
            .await
            .map_err(describe)?;
        Ok(RunningConsumer {
            context: Arc::new(DeliveryContext {
                channel,
                handler,
                queues,
            }),
            stream,
        })
    }
}

/// One concern's consumer on its own channel.
struct RunningConsumer {
    context: Arc<DeliveryContext>,
    stream: lapin::Consumer,
}

impl RunningConsumer {
    // ANCHOR: consume
    /// Takes deliveries while fewer than `concurrency` are in flight, until
    /// `stop`; then cancels, drains and closes the channel.
    async fn run(mut self, concurrency: usize, stop: &Shutdown) -> Result<(), Broken> {
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut in_flight = JoinSet::new();
        let ended = loop {
            // A permit first, so a delivery is taken off the stream only when
            // it can start at once; the rest wait in the prefetch buffer.
            let permit = tokio::select! {
                biased;
                () = stop.triggered() => break Ok(()),
                permit = Arc::clone(&permits).acquire_owned() => permit.expect("never closed"),
            };
            let next = tokio::select! {
                biased;
                () = stop.triggered() => break Ok(()),
                next = self.stream.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    let context = Arc::clone(&self.context);
                    in_flight.spawn(async move {
                        process(&context, delivery).await;
                        drop(permit);
                    });
                }
                Some(Err(error)) => break Err(describe(error)),
                None => break Err("the broker cancelled the consumer".to_owned()),
            }
            // Reap finished tasks so the set does not grow without bound.
            while in_flight.try_join_next().is_some() {}
        };
        if ended.is_err() {
            stop.trigger();
        }
        self.stop(in_flight).await;
        ended
    }
    // ANCHOR_END: consume

    /// Graceful stop: no new deliveries, in-flight ones finish and settle,
    /// then the channel closes. Deliveries prefetched but not started are
    /// unacked, so closing the channel returns them to the queue.
    async fn stop(self, mut in_flight: JoinSet<()>) {
        let channel = &self.context.channel;
        let concern = self.context.queues.concern.as_str();
        if channel.status().connected() {
            let tag = self.stream.tag();
            if let Err(error) = channel
                .basic_cancel(tag, BasicCancelOptions::default())
                .await
            {
                tracing::debug!(concern, %error, "cancel failed (channel closing)");
            }
        }
        let count = in_flight.len();
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                concern,
                unfinished = in_flight.len(),
                "drain timed out; abandoning unfinished messages to redelivery"
            );
            in_flight.abort_all();
        } else if count > 0 {
            tracing::info!(concern, count, "in-flight messages finished");
        }
        close_channel(channel).await;
    }
}

async fn close_channel(channel: &Channel) {
    if channel.status().connected() {
        let _ = channel.close(200, "worker stopping".into()).await;
    }
}

fn describe(error: lapin::Error) -> Broken {
    error.to_string()
}
