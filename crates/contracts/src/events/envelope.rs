//! The envelope around every event, and its JSON encoding.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, ser::SerializeStruct};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::payloads::*;

// ANCHOR: envelope
/// One event as it travels: outer fields every consumer can read without
/// knowing the payload, then the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// UUIDv7: unique, and sortable by creation time. Consumers use it as
    /// the idempotency key (a redelivered message has the same id).
    pub id: Uuid,
    /// When the change happened (the transaction that caused it).
    pub occurred_at: DateTime<Utc>,
    /// The request id of the HTTP request that caused it, for logs.
    pub correlation_id: Option<String>,
    /// W3C trace context of that request, so the consumer's span joins it.
    pub trace: TraceContext,
    /// Who made the change, when it was not the user the event is about (an
    /// admin): the audit trail records it.
    pub actor: Option<Uuid>,
    pub event: Event,
}
// ANCHOR_END: envelope

/// W3C Trace Context headers (`traceparent`, `tracestate`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
}

/// Why bytes are not an event this code can handle. Every variant is a
/// *poison* message: retrying cannot help, so consumers dead-letter it with
/// this text as the reason.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not an event envelope: {0}")]
    Malformed(String),
    #[error("unknown event type `{0}`")]
    UnknownType(String),
    #[error("unsupported version {version} of `{event_type}` (this code reads version {reads})")]
    UnsupportedVersion {
        event_type: String,
        version: u16,
        reads: u16,
    },
    #[error("invalid `{event_type}` payload: {reason}")]
    InvalidPayload { event_type: String, reason: String },
}

impl Envelope {
    /// A new event, now, with a fresh UUIDv7 id.
    pub fn new(event: Event) -> Self {
        Self {
            id: Uuid::now_v7(),
            occurred_at: Utc::now(),
            correlation_id: None,
            trace: TraceContext::default(),
            actor: None,
            event,
        }
    }

    pub fn with_actor(mut self, actor: Option<Uuid>) -> Self {
        self.actor = actor;
        self
    }

    pub fn with_correlation_id(mut self, correlation_id: Option<String>) -> Self {
        self.correlation_id = correlation_id;
        self
    }

    pub fn with_trace(mut self, trace: TraceContext) -> Self {
        self.trace = trace;
        self
    }

    /// The JSON bytes that go on the wire.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising plain data to a Vec cannot fail: no maps with non-string
        // keys, no custom serialisers that error.
        serde_json::to_vec(self).unwrap_or_default()
    }

    // ANCHOR: decode
    /// Reads an envelope in two steps: the outer fields first, then the
    /// payload by (type, version), so each failure says exactly what is wrong.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let wire: WireIn<'_> =
            serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        let event_type = wire.event_type.as_ref();
        let reads = Event::version_of(event_type)
            .ok_or_else(|| DecodeError::UnknownType(event_type.to_owned()))?;
        if wire.version != reads {
            return Err(DecodeError::UnsupportedVersion {
                event_type: event_type.to_owned(),
                version: wire.version,
                reads,
            });
        }
        let payload = wire.payload.get();
        let event = match event_type {
            "user.registered" => parse(event_type, payload).map(Event::UserRegistered),
            "user.registration_attempted" => {
                parse(event_type, payload).map(Event::UserRegistrationAttempted)
            }
            "user.email_verification_requested" => {
                parse(event_type, payload).map(Event::UserEmailVerificationRequested)
            }
            "user.password_reset_requested" => {
                parse(event_type, payload).map(Event::PasswordResetRequested)
            }
            "user.email_change_requested" => {
                parse(event_type, payload).map(Event::UserEmailChangeRequested)
            }
            "user.email_changed" => parse(event_type, payload).map(Event::UserEmailChanged),
            "user.updated" => parse(event_type, payload).map(Event::UserUpdated),
            _ => parse(event_type, payload).map(Event::UserDeleted),
        }?;
        Ok(Self {
            id: wire.id,
            occurred_at: wire.occurred_at,
            correlation_id: wire.correlation_id.map(Cow::into_owned),
            trace: TraceContext {
                traceparent: wire.traceparent,
                tracestate: wire.tracestate,
            },
            actor: wire.actor,
            event,
        })
    }
    // ANCHOR_END: decode

    /// The payload as JSON with sealed link tokens replaced by
    /// `"[sealed]"`: what may be stored in an audit trail or printed by
    /// `capstone dlq list`. (Sealed, a token is unreadable without the key;
    /// an audit trail has no use for the ciphertext either.)
    pub fn redacted_payload(&self) -> serde_json::Value {
        let mut payload = self.event.payload_json();
        for link in ["verification", "reset", "confirmation", "undo"] {
            if let Some(sealed) = payload.get_mut(link).and_then(|l| l.get_mut("sealed")) {
                *sealed = serde_json::Value::from("[sealed]");
            }
        }
        payload
    }
}

impl Event {
    /// The payload alone, as JSON.
    fn payload_json(&self) -> serde_json::Value {
        match self {
            Event::UserRegistered(p) => serde_json::to_value(p),
            Event::UserRegistrationAttempted(p) => serde_json::to_value(p),
            Event::UserEmailVerificationRequested(p) => serde_json::to_value(p),
            Event::PasswordResetRequested(p) => serde_json::to_value(p),
            Event::UserEmailChangeRequested(p) => serde_json::to_value(p),
            Event::UserEmailChanged(p) => serde_json::to_value(p),
            Event::UserUpdated(p) => serde_json::to_value(p),
            Event::UserDeleted(p) => serde_json::to_value(p),
        }
        .unwrap_or_default()
    }
}

fn parse<T: for<'de> Deserialize<'de>>(event_type: &str, payload: &str) -> Result<T, DecodeError> {
    serde_json::from_str(payload).map_err(|error| DecodeError::InvalidPayload {
        event_type: event_type.to_owned(),
        reason: error.to_string(),
    })
}

/// The wire shape when reading: the payload is kept as raw JSON until the
/// type and version say what it should be.
#[derive(Deserialize)]
struct WireIn<'a> {
    id: Uuid,
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
    version: u16,
    occurred_at: DateTime<Utc>,
    #[serde(default, borrow)]
    correlation_id: Option<Cow<'a, str>>,
    // Not `#[serde(flatten)]`: flattening buffers the whole object, and a
    // borrowed `RawValue` cannot come out of that buffer.
    #[serde(default)]
    traceparent: Option<String>,
    #[serde(default)]
    tracestate: Option<String>,
    #[serde(default)]
    actor: Option<Uuid>,
    #[serde(borrow)]
    payload: &'a RawValue,
}

impl Serialize for Envelope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut wire = serializer.serialize_struct("Envelope", 9)?;
        wire.serialize_field("id", &self.id)?;
        wire.serialize_field("type", self.event.event_type())?;
        wire.serialize_field("version", &self.event.version())?;
        wire.serialize_field("occurred_at", &self.occurred_at)?;
        if let Some(correlation_id) = &self.correlation_id {
            wire.serialize_field("correlation_id", correlation_id)?;
        }
        if let Some(traceparent) = &self.trace.traceparent {
            wire.serialize_field("traceparent", traceparent)?;
        }
        if let Some(tracestate) = &self.trace.tracestate {
            wire.serialize_field("tracestate", tracestate)?;
        }
        if let Some(actor) = &self.actor {
            wire.serialize_field("actor", actor)?;
        }
        wire.serialize_field("payload", &self.event.payload_json())?;
        wire.end()
    }
}

#[cfg(test)]
mod tests;
