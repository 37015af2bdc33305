//! RabbitMQ (AMQP 0-9-1) through lapin: what the outbox relay (users service)
//! and the worker share.
//!
//! * [`connect`]: one connection, bounded by a timeout, over TLS for
//!   `amqps://` URLs (`tls_connect`); [`connect_until_up`]
//!   retries it with backoff until it works or shutdown begins.
//! * [`SessionLoop`] (`session_loop`): the one loop both sides run, "connect →
//!   work until the connection breaks → back off → reconnect", so a broker
//!   restart costs a pause, never a crash, and a refused setup never spins.
//! * [`events_exchange`] / [`declare_events_exchange`]: the durable topic
//!   exchange every event is published to (`<prefix>.events`).
//! * [`BrokerState`] / [`BrokerCheck`]: whether the broker connection is up
//!   right now, for `/health/ready`.
//! * [`header_text`] / [`header_number`]: reading message headers.
//!
//! The topology (queues, retry path, dead letters) belongs to the worker: the
//! side that consumes declares what it consumes from. The publisher declares
//! only the exchange it publishes to. Both declarations are idempotent, so
//! every start (and every reconnect) repeats them harmlessly.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use capstone_contracts::events::TraceContext;
use futures_util::future::BoxFuture;
use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind,
    options::ExchangeDeclareOptions,
    types::{AMQPValue, FieldTable},
};
use secrecy::ExposeSecret;

use crate::{
    Shutdown,
    backoff::Backoff,
    health::{DependencyCheck, Down},
    settings::AmqpSettings,
};

pub use session_loop::{ConnectionObserver, Session, SessionLoop};

mod session_loop;
mod tls_connect;
#[cfg(test)]
mod tls_tests;

/// The events exchange's name for these settings.
pub fn events_exchange(settings: &AmqpSettings) -> String {
    format!("{}.events", settings.prefix)
}

/// Why a connection attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no answer from RabbitMQ within {0} ms")]
    Timeout(u64),
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
    #[error("amqp.url does not parse: {0}")]
    Url(String),
    /// `amqp.tls_ca_file` is unusable.
    #[error(transparent)]
    Tls(crate::ConfigError),
}

/// Opens one connection, named so that the management UI shows who it is:
/// `amqp://` as lapin does by itself, `amqps://` over verified TLS.
pub async fn connect(settings: &AmqpSettings, name: &str) -> Result<Connection, ConnectError> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let url = settings.url.expose_secret();
    let attempt = async {
        if url.starts_with("amqps:") {
            // Boxed: the TLS path's future is large, and every caller's
            // future would otherwise carry it inline.
            Box::pin(tls_connect::connect_tls(settings, properties)).await
        } else {
            Ok(Connection::connect(url, properties).await?)
        }
    };
    tokio::time::timeout(Duration::from_millis(settings.connect_timeout_ms), attempt)
        .await
        .map_err(|_| ConnectError::Timeout(settings.connect_timeout_ms))?
}

// ANCHOR: connect_until_up
/// Connects, retrying with exponential backoff and jitter, until it works
/// (`Some`) or shutdown begins (`None`). Failures are logged once per attempt
/// at `warn`, with the attempt number, so an outage reads as one story, and
/// told to `observer` (the relay records them where operators look).
pub async fn connect_until_up(
    settings: &AmqpSettings,
    name: &str,
    shutdown: &Shutdown,
    observer: &impl ConnectionObserver,
) -> Option<Connection> {
    let backoff = Backoff {
        base: Duration::from_millis(100),
        max: Duration::from_millis(settings.reconnect_max_delay_ms.max(100)),
    };
    for attempt in 0_u32.. {
        if shutdown.is_triggered() {
            return None;
        }
        match connect(settings, name).await {
            Ok(connection) => {
                if attempt > 0 {
                    tracing::info!(name, attempt, "connected to RabbitMQ again");
                }
                return Some(connection);
            }
            Err(error) => {
                let delay = backoff.random_delay(attempt.min(16));
                tracing::warn!(name, attempt, %error, retry_in_ms = delay.as_millis() as u64,
                    "cannot connect to RabbitMQ");
                observer.connect_failed(&error.to_string()).await;
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = shutdown.triggered() => return None,
                }
            }
        }
    }
    None
}
// ANCHOR_END: connect_until_up

/// Declares the durable topic exchange events are published to.
pub async fn declare_events_exchange(
    channel: &Channel,
    settings: &AmqpSettings,
) -> Result<(), lapin::Error> {
    channel
        .exchange_declare(
            events_exchange(settings).as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
}

/// AMQP delivery mode 2: the broker writes the message to disk (in a durable
/// queue), so a broker restart does not lose it.
const PERSISTENT: u8 = 2;

// ANCHOR: event_properties
/// The message properties of a published event: persistent, JSON, and the
/// envelope's identifiers repeated where AMQP tools look for them (message
/// id = event id, the idempotency key; type; correlation id), plus the trace
/// context as headers. The relay publishes with these; tests that stand in
/// for the relay use the same function.
pub fn event_properties(
    event_id: &str,
    event_type: &str,
    correlation_id: Option<&str>,
    trace: &TraceContext,
) -> BasicProperties {
    let mut headers = FieldTable::default();
    for (key, value) in [
        ("traceparent", &trace.traceparent),
        ("tracestate", &trace.tracestate),
    ] {
        if let Some(value) = value {
            headers.insert(key.into(), AMQPValue::LongString(value.as_str().into()));
        }
    }
    let mut properties = BasicProperties::default()
        .with_delivery_mode(PERSISTENT)
        .with_content_type("application/json".into())
        .with_message_id(event_id.into())
        .with_type(event_type.into())
        .with_headers(headers);
    if let Some(correlation_id) = correlation_id {
        properties = properties.with_correlation_id(correlation_id.into());
    }
    properties
}
// ANCHOR_END: event_properties

/// Whether a broker connection is up, as last seen by the task that owns it.
/// Cheap to clone; the clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct BrokerState(Arc<AtomicBool>);

impl BrokerState {
    pub fn set_connected(&self, connected: bool) {
        self.0.store(connected, Ordering::Relaxed);
    }

    pub fn is_connected(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// `/health/ready` check on a [`BrokerState`]: `rabbitmq` is up when the
/// owning task holds a live connection. Required for the worker (it can do
/// nothing without the broker), optional for the users service (events wait
/// in the outbox meanwhile, so it stays ready, degraded).
#[derive(Debug, Clone)]
pub struct BrokerCheck {
    state: BrokerState,
    required: bool,
}

impl BrokerCheck {
    pub fn new(state: BrokerState, required: bool) -> Self {
        Self { state, required }
    }
}

impl DependencyCheck for BrokerCheck {
    fn name(&self) -> &'static str {
        "rabbitmq"
    }

    fn required(&self) -> bool {
        self.required
    }

    fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
        let outcome = if self.state.is_connected() {
            Ok(())
        } else {
            Err(Reconnecting.into())
        };
        Box::pin(std::future::ready(outcome))
    }
}

/// Why the broker check failed: the connection is down and being
/// re-established in the background.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("not connected (reconnecting with backoff)")]
pub struct Reconnecting;

/// A text header (`x-death-reason`, `traceparent`…), if present and text.
pub fn header_text(headers: Option<&FieldTable>, key: &str) -> Option<String> {
    match headers?.inner().get(key)? {
        AMQPValue::LongString(text) => Some(text.to_string()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

/// A numeric header (`x-attempt`), if present and a non-negative integer.
pub fn header_number(headers: Option<&FieldTable>, key: &str) -> Option<u64> {
    match headers?.inner().get(key)? {
        AMQPValue::ShortShortUInt(n) => Some(u64::from(*n)),
        AMQPValue::ShortUInt(n) => Some(u64::from(*n)),
        AMQPValue::LongUInt(n) => Some(u64::from(*n)),
        AMQPValue::LongLongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::ShortInt(n) => u64::try_from(*n).ok(),
        AMQPValue::ShortShortInt(n) => u64::try_from(*n).ok(),
        _ => None,
    }
}
