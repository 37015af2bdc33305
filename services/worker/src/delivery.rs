//! One delivery, from bytes to acknowledgement: decode, handle, then ack,
//! retry or dead-letter.
//!
//! | what happened | what the broker gets |
//! |---|---|
//! | handled (or already handled) | ack |
//! | poison: undecodable, unknown type or version, or a permanent handler error | a copy in the dead-letter queue (with `x-death-reason`, `x-attempt`, `x-failed-queue`), then ack |
//! | transient error, retries left | a copy in retry queue `attempt + 1` (with `x-attempt` = `attempt + 1`), then ack |
//! | transient error, no retries left | a copy in the dead-letter queue ("gave up after N attempts: …"), then ack |
//! | the worker's own dependency is unreachable | a copy in the work queue, headers unchanged (no retry spent), then ack; the consumer pauses |
//! | the copy could not be published | nack with requeue: nothing is dropped silently |
//!
//! The original is acked only after the broker confirmed the copy, so a
//! crash in between duplicates the message (handlers are idempotent)
//! rather than losing it.

mod hand_back;

pub(crate) use hand_back::{Outage, Settled, hand_back};

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use capstone_contracts::events::{Envelope, TraceContext};
use capstone_platform::{
    amqp::{header_number, header_text},
    telemetry::propagation,
};
use lapin::{
    Channel,
    message::Delivery,
    options::{BasicAckOptions, BasicNackOptions},
};
use tracing::Instrument;

use crate::{
    delivery::hand_back::return_copy,
    handlers::{Handler, HandlerError, Outcome, Received},
    metrics::{DeadLetterReason, WorkerMetrics},
    republish::{
        ATTEMPT_HEADER, DEATH_REASON_HEADER, FAILED_QUEUE_HEADER, HeaderChange, REPLAYS_HEADER,
        copy_properties, publish_to_queue,
    },
    topology::QueueNames,
};

/// How long to hold a message whose copy could not be published before
/// handing it back. A requeued message comes straight back to this
/// consumer: without a pause, a lasting cause (a deleted dead-letter queue)
/// would spin through it as fast as the broker can redeliver.
const REQUEUE_PAUSE: Duration = Duration::from_secs(1);

/// What a consumer's deliveries share.
#[derive(Clone)]
pub(crate) struct DeliveryContext {
    /// The consuming channel, in confirm mode: copies go out on it too.
    pub(crate) channel: Channel,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) queues: QueueNames,
    pub(crate) metrics: WorkerMetrics,
}

/// What to do with a delivery once handled.
enum Verdict {
    Done(Outcome),
    Retry(String),
    Poison(String),
    HandBack(Outage),
}

/// Who the delivery is, for log lines: known even when it does not decode.
struct Identity {
    event_id: String,
    event_type: String,
    attempt: u64,
}

impl Identity {
    /// What the properties say, before the body is decoded.
    fn of(delivery: &Delivery) -> Self {
        let headers = delivery.properties.headers().as_ref();
        Self {
            event_id: delivery
                .properties
                .message_id()
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), ToString::to_string),
            event_type: "unknown".to_owned(),
            attempt: header_number(headers, ATTEMPT_HEADER).unwrap_or(0),
        }
    }
}

// ANCHOR: process
/// Handles one delivery and settles it with the broker. Never fails: every
/// path ends in an ack, or a nack that puts the message back.
pub(crate) async fn process(context: &DeliveryContext, delivery: Delivery) -> Settled {
    let span = consume_span(context, &delivery);
    decide_and_settle(context, delivery).instrument(span).await
}

// ANCHOR: consume_span
/// The span one delivery is handled in: a consumer span (messaging semantic
/// conventions) whose parent is the relay's publish span, from the AMQP
/// headers, so the handling joins the trace of the request that caused the
/// event. Every line logged inside carries that request's id (the AMQP
/// correlation id), so one search finds the request's lines in every service.
fn consume_span(context: &DeliveryContext, delivery: &Delivery) -> tracing::Span {
    let queue = context.queues.work.as_str();
    let span = tracing::info_span!(
        "message",
        otel.name = %format!("process {queue}"),
        otel.kind = "consumer",
        messaging.system = "rabbitmq",
        messaging.operation.type = "process",
        messaging.destination.name = %queue,
        messaging.message.id = delivery.properties.message_id().as_ref().map(|id| id.as_str()),
        concern = context.queues.concern.as_str(),
        request_id = delivery
            .properties
            .correlation_id()
            .as_ref()
            .map(|id| id.as_str()),
    );
    let headers = delivery.properties.headers().as_ref();
    let trace = TraceContext {
        traceparent: header_text(headers, "traceparent"),
        tracestate: header_text(headers, "tracestate"),
    };
    propagation::continue_trace(&span, &trace);
    span
}
// ANCHOR_END: consume_span

async fn decide_and_settle(context: &DeliveryContext, delivery: Delivery) -> Settled {
    context.metrics.message_consumed(&context.queues.work);
    let mut identity = Identity::of(&delivery);
    let attempt = identity.attempt;
    let headers = delivery.properties.headers().as_ref();
    let replays = header_number(headers, REPLAYS_HEADER).unwrap_or(0);
    let verdict = match Envelope::decode(&delivery.data) {
        Err(error) => Verdict::Poison(error.to_string()),
        Ok(envelope) => {
            identity.event_id = envelope.id.to_string();
            identity.event_type = envelope.event.event_type().to_owned();
            let received = Received {
                envelope,
                attempt,
                replays,
            };
            let started = Instant::now();
            let handled = context.handler.handle(&received).await;
            context
                .metrics
                .handler_finished(&context.queues.work, &handled, started.elapsed());
            match handled {
                Ok(outcome) => Verdict::Done(outcome),
                Err(HandlerError::Transient(reason)) => Verdict::Retry(reason),
                Err(HandlerError::Permanent(reason)) => Verdict::Poison(reason),
                Err(HandlerError::Unavailable { dependency, reason }) => {
                    Verdict::HandBack(Outage { dependency, reason })
                }
            }
        }
    };
    settle(context, &delivery, &identity, verdict).await
}
// ANCHOR_END: process

async fn settle(
    context: &DeliveryContext,
    delivery: &Delivery,
    who: &Identity,
    verdict: Verdict,
) -> Settled {
    let concern = context.queues.concern.as_str();
    let (event_id, event_type, attempt) = (&who.event_id, &who.event_type, who.attempt);
    match verdict {
        Verdict::Done(outcome) => {
            tracing::info!(
                concern,
                event_id,
                event_type,
                attempt,
                ?outcome,
                "event handled"
            );
            ack(delivery, who).await;
        }
        Verdict::Retry(reason) => {
            let next = attempt + 1;
            let Some(retry) = context.queues.retry(next) else {
                let reason = format!("gave up after {next} attempts: {reason}");
                let why = DeadLetterReason::RetriesExhausted;
                dead_letter(context, delivery, who, &reason, why).await;
                return Settled::Done;
            };
            tracing::warn!(concern, event_id, event_type, attempt, %reason,
                retry_in_ms = retry.delay_ms, "handling failed; will retry");
            let properties = copy_properties(
                &delivery.properties,
                &[HeaderChange::Number(ATTEMPT_HEADER, next)],
            );
            if forward(context, delivery, who, &retry.name, properties).await {
                context.metrics.message_retried(&context.queues.work);
            }
        }
        Verdict::Poison(reason) => {
            dead_letter(context, delivery, who, &reason, DeadLetterReason::Poison).await;
        }
        Verdict::HandBack(outage) => {
            tracing::debug!(concern, event_id, event_type, attempt, dependency = %outage.dependency,
                "dependency unreachable; handing the message back");
            return_copy(context, delivery, who).await;
            return Settled::DependencyDown(outage);
        }
    }
    Settled::Done
}

async fn dead_letter(
    context: &DeliveryContext,
    delivery: &Delivery,
    who: &Identity,
    reason: &str,
    why: DeadLetterReason,
) {
    tracing::error!(
        concern = context.queues.concern.as_str(),
        event_id = who.event_id,
        event_type = who.event_type,
        attempt = who.attempt,
        reason,
        "dead-lettering"
    );
    let properties = copy_properties(
        &delivery.properties,
        &[
            HeaderChange::Text(DEATH_REASON_HEADER, reason),
            HeaderChange::Number(ATTEMPT_HEADER, who.attempt),
            HeaderChange::Text(FAILED_QUEUE_HEADER, &context.queues.work),
        ],
    );
    let queues = &context.queues;
    if forward(context, delivery, who, &queues.dead_letters, properties).await {
        context.metrics.message_dead_lettered(&queues.work, why);
    }
}

/// Publishes the copy, then acks the original (true); or nacks it back onto
/// its queue when the copy cannot be confirmed (false).
async fn forward(
    context: &DeliveryContext,
    delivery: &Delivery,
    who: &Identity,
    queue: &str,
    properties: lapin::BasicProperties,
) -> bool {
    match publish_to_queue(&context.channel, queue, &delivery.data, properties).await {
        Ok(()) => {
            ack(delivery, who).await;
            true
        }
        Err(error) => {
            context.metrics.message_requeued(&context.queues.work);
            tracing::error!(event_id = who.event_id, queue, %error,
                "cannot publish the copy; requeueing the original");
            tokio::time::sleep(REQUEUE_PAUSE).await;
            let requeue = BasicNackOptions {
                requeue: true,
                ..BasicNackOptions::default()
            };
            if let Err(error) = delivery.nack(requeue).await {
                // The channel is gone: the broker requeues every unacked
                // message of a closed channel by itself.
                tracing::warn!(event_id = who.event_id, %error, "nack failed");
            }
            false
        }
    }
}

async fn ack(delivery: &Delivery, who: &Identity) {
    if let Err(error) = delivery.ack(BasicAckOptions::default()).await {
        // The channel died after the work was done: the broker will deliver
        // the message again, and the handler will find it already applied.
        tracing::warn!(event_id = who.event_id, %error, "ack failed; expect a redelivery");
    }
}
