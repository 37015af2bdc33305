//! The producer side: persistent messages through the default exchange with
//! publisher confirms, paced by a window of unconfirmed messages or by a
//! fixed rate. Confirms are awaited by a task of their own, in order, so the
//! publishing loop never stops to wait for one unless its window is full.

use std::{sync::Arc, time::Instant};

use anyhow::{Context, bail};
use lapin::{BasicProperties, Channel, PublisherConfirm, options::BasicPublishOptions};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::schedule::Schedule;

use super::payload::{Stamp, wall_clock_nanos};

/// AMQP delivery mode 2: written to disk in a durable queue, as the
/// services' events are.
const PERSISTENT: u8 = 2;

/// How the publisher decides when to send the next message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pace {
    /// As fast as possible with at most this many unconfirmed messages
    /// (closed loop: a slow broker slows the publisher).
    Window(u32),
    /// This many per second on a fixed schedule (open loop), stamped with
    /// the due time, so a publisher that falls behind shows as latency.
    Rate(f64),
}

/// A publish waiting for its confirm, and the window slot it holds.
type Unconfirmed = (PublisherConfirm, Option<OwnedSemaphorePermit>);

/// Publishes messages `0..messages` to `queue` on `channel` (in confirm
/// mode) and returns once the broker has confirmed every one.
pub(crate) async fn publish_all(
    channel: &Channel,
    queue: &str,
    messages: u64,
    pace: Pace,
) -> anyhow::Result<()> {
    let (unconfirmed, confirms) = mpsc::unbounded_channel();
    let confirmer = tokio::spawn(await_confirms(confirms));
    match pace {
        Pace::Window(size) => {
            let window = Arc::new(Semaphore::new(size as usize));
            for sequence in 0..messages {
                let slot = Arc::clone(&window).acquire_owned().await?;
                let stamp = Stamp {
                    sequence,
                    sent_at_nanos: wall_clock_nanos(),
                };
                let confirm = publish(channel, queue, stamp).await?;
                if unconfirmed.send((confirm, Some(slot))).is_err() {
                    break; // the confirmer stopped on a nack: it says why below
                }
            }
        }
        Pace::Rate(rate) => {
            let start = Instant::now();
            let wall_start = wall_clock_nanos();
            let schedule = Schedule::new(start, rate, messages);
            while let Some(sequence) = schedule.claim() {
                let due = schedule.wait_for_turn(sequence).await;
                let since_start = due.saturating_duration_since(start).as_nanos();
                let stamp = Stamp {
                    sequence,
                    sent_at_nanos: wall_start + u64::try_from(since_start).unwrap_or(u64::MAX),
                };
                let confirm = publish(channel, queue, stamp).await?;
                if unconfirmed.send((confirm, None)).is_err() {
                    break;
                }
            }
        }
    }
    drop(unconfirmed);
    confirmer.await.context("the confirm task panicked")?
}

async fn publish(channel: &Channel, queue: &str, stamp: Stamp) -> lapin::Result<PublisherConfirm> {
    channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            &stamp.encode(),
            BasicProperties::default().with_delivery_mode(PERSISTENT),
        )
        .await
}

/// Awaits each confirm in publish order, freeing its window slot; stops at
/// the first nack.
async fn await_confirms(mut confirms: mpsc::UnboundedReceiver<Unconfirmed>) -> anyhow::Result<()> {
    while let Some((confirm, _slot)) = confirms.recv().await {
        let confirmation = confirm.await.context("waiting for a publisher confirm")?;
        if !confirmation.is_ack() {
            bail!("the broker refused a message: {confirmation:?}");
        }
    }
    Ok(())
}
