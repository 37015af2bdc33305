//! `broker-baseline`: the raw RabbitMQ round trip, with nothing of ours in
//! between, on the same broker the services use.
//!
//! ```text
//! connection 1: declare queue, consume (prefetch 50, manual ack) ──┐
//! connection 2: confirm mode, publish N persistent messages ───────┴→ Report
//! finally: delete the queue (on error paths too)
//! ```
//!
//! Two connections, as a real producer and consumer would have: sharing one
//! would put both directions through one socket and one reader.

mod arrivals;
mod cli;
mod consumer;
mod payload;
mod publisher;
mod queue;
mod report;

use std::{future::Future, time::Instant};

use anyhow::{Context, bail};
use lapin::{
    Connection, ConnectionProperties,
    options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions},
    types::FieldTable,
};
use tokio::task::JoinSet;

pub use cli::Args;
pub use report::Report;

use publisher::Pace;

/// Deliveries the broker may push before they are acked: enough to keep
/// the consumer busy, few enough to stay "one by one" like the worker.
const PREFETCH: u16 = 50;

/// Runs the round trip `args` describes and reports it. A run that timed
/// out still reports (with `missing` > 0); [`Report::check`] turns that into
/// the error.
pub async fn run(args: &Args) -> anyhow::Result<Report> {
    let deadline = Instant::now() + args.timeout();
    let consuming = within(deadline, connect(&args.amqp_url, "consume")).await?;
    let outcome = measure(args, &consuming, deadline).await;
    queue::delete(&consuming, &args.queue).await;
    // The run's result is known; a failed goodbye changes nothing.
    let _ = consuming.close(200, "done".into()).await;
    outcome
}

/// Declare, consume, publish, wait for the last delivery.
async fn measure(args: &Args, consuming: &Connection, deadline: Instant) -> anyhow::Result<Report> {
    let channel = within(deadline, consuming.create_channel()).await?;
    within(deadline, queue::declare(&channel, &args.queue, args.quorum)).await?;
    within(
        deadline,
        channel.basic_qos(PREFETCH, BasicQosOptions::default()),
    )
    .await?;
    let deliveries = within(
        deadline,
        channel.basic_consume(
            args.queue.as_str().into(),
            "capstone-broker-baseline".into(),
            BasicConsumeOptions::default(), // manual acks
            FieldTable::default(),
        ),
    )
    .await?;
    // A JoinSet, not a bare spawn: leaving early (an error below) drops it,
    // which stops the consumer instead of leaving it to wait for the deadline.
    let mut consumer = JoinSet::new();
    consumer.spawn(consumer::consume(deliveries, args.messages, deadline));

    let publishing = within(deadline, connect(&args.amqp_url, "publish")).await?;
    let publish_channel = within(deadline, publishing.create_channel()).await?;
    within(
        deadline,
        publish_channel.confirm_select(ConfirmSelectOptions::default()),
    )
    .await?;
    let pace = args.rate.map_or(Pace::Window(args.in_flight), Pace::Rate);
    let started = Instant::now();
    let published = tokio::time::timeout_at(
        deadline.into(),
        publisher::publish_all(&publish_channel, &args.queue, args.messages, pace),
    )
    .await;
    // Out of time is not fatal here: the consumer stops at the same
    // deadline and the report counts what is missing.
    if let Ok(Err(error)) = published {
        return Err(error.context("publishing"));
    }
    let _ = publishing.close(200, "done".into()).await;

    let consumed = consumer
        .join_next()
        .await
        .context("the consumer task is gone")?
        .context("the consumer task panicked")??;
    if consumed.arrivals.foreign > 0 {
        eprintln!(
            "broker-baseline: {} deliveries were not this run's (was --queue in use?)",
            consumed.arrivals.foreign
        );
    }
    let seconds = consumed
        .last_ack
        .map_or(0.0, |last| last.duration_since(started).as_secs_f64());
    let missing = consumed.arrivals.missing();
    // What arrived, not what was asked for: after a timeout the two differ.
    let arrived = args.messages - missing;
    Ok(Report {
        messages: args.messages,
        seconds: (seconds * 1000.0).round() / 1000.0,
        rate_per_s: if seconds > 0.0 {
            (arrived as f64 / seconds).round()
        } else {
            0.0
        },
        duplicates: consumed.arrivals.duplicates,
        missing,
        latency_ms: consumed.latency.summary(),
    })
}

/// A connection the management UI names by its role.
async fn connect(url: &str, role: &str) -> lapin::Result<Connection> {
    let properties = ConnectionProperties::default()
        .with_connection_name(format!("capstone-broker-baseline.{role}").into());
    Connection::connect(url, properties).await
}

/// `step`, unless `deadline` passes first.
async fn within<T, E>(
    deadline: Instant,
    step: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout_at(deadline.into(), step).await {
        Ok(result) => Ok(result?),
        Err(_) => bail!("gave up: the run's timeout passed"),
    }
}
