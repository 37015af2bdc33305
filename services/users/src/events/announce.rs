//! Turning changes into events: which event, with which payload, carrying
//! the request's correlation id and trace context.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use capstone_contracts::events::{
    Envelope, Event, PasswordResetRequested, SealedLinkToken, TraceContext, UserDeleted,
    UserEmailChangeRequested, UserEmailChanged, UserEmailVerificationRequested, UserRegistered,
    UserRegistrationAttempted, UserUpdated,
};
use capstone_platform::{middleware::RequestId, telemetry::propagation};
use uuid::Uuid;

use crate::domain::{Email, User};

/// Where an event comes from: the request id (as correlation id) and the
/// W3C trace context of the HTTP request that caused it. Extract it in a
/// handler; every event the handler writes carries it, so a consumer's
/// logs and spans join the request's.
#[derive(Debug, Clone, Default)]
pub struct EventOrigin {
    correlation_id: Option<String>,
    trace: TraceContext,
    /// Who made the change, when known (see [`EventOrigin::by`]).
    actor: Option<Uuid>,
}

impl FromRequest for EventOrigin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        // The request's own span when traced, so the event's spans become
        // its children; untraced, whatever context the caller sent.
        let mut trace = propagation::context_of(&tracing::Span::current());
        if trace.traceparent.is_none() {
            trace = TraceContext {
                traceparent: header("traceparent"),
                tracestate: header("tracestate"),
            };
        }
        ready(Ok(Self {
            correlation_id: request
                .extensions()
                .get::<RequestId>()
                .map(|id| id.as_str().to_owned()),
            trace,
            actor: None,
        }))
    }
}

impl EventOrigin {
    /// The same origin, with `actor` (the authenticated caller) recorded as
    /// who made the change: the audit trail shows it.
    pub fn by(mut self, actor: Uuid) -> Self {
        self.actor = Some(actor);
        self
    }

    fn envelope(&self, event: Event) -> Envelope {
        Envelope::new(event)
            .with_correlation_id(self.correlation_id.clone())
            .with_trace(self.trace.clone())
            .with_actor(self.actor)
    }

    /// `user.registered`, with the (sealed) link that verifies the address.
    pub fn registered(&self, user: &User, verification: SealedLinkToken) -> Envelope {
        self.envelope(Event::UserRegistered(UserRegistered {
            user_id: user.id,
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            role: user.role,
            verification,
        }))
    }

    /// `user.registration_attempted`: someone registered `user`'s address.
    pub fn registration_attempted(&self, user: &User) -> Envelope {
        self.envelope(Event::UserRegistrationAttempted(
            UserRegistrationAttempted {
                user_id: user.id,
                email: user.email.as_str().to_owned(),
                display_name: user.display_name.as_str().to_owned(),
            },
        ))
    }

    /// `user.email_verification_requested`: a fresh verification link.
    pub fn verification_requested(&self, user: &User, verification: SealedLinkToken) -> Envelope {
        self.envelope(Event::UserEmailVerificationRequested(
            UserEmailVerificationRequested {
                user_id: user.id,
                email: user.email.as_str().to_owned(),
                display_name: user.display_name.as_str().to_owned(),
                verification,
            },
        ))
    }

    /// `user.password_reset_requested`, with the (sealed) reset link.
    pub fn reset_requested(&self, user: &User, reset: SealedLinkToken) -> Envelope {
        self.envelope(Event::PasswordResetRequested(PasswordResetRequested {
            user_id: user.id,
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            reset,
        }))
    }

    /// `user.email_change_requested`: confirm `new_email` with this link.
    pub fn email_change_requested(
        &self,
        user: &User,
        new_email: &Email,
        confirmation: SealedLinkToken,
    ) -> Envelope {
        self.envelope(Event::UserEmailChangeRequested(UserEmailChangeRequested {
            user_id: user.id,
            new_email: new_email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            confirmation,
        }))
    }

    /// `user.email_changed`: tell the old address, with a way back.
    pub fn email_changed(&self, before: &User, after: &User, undo: SealedLinkToken) -> Envelope {
        self.envelope(Event::UserEmailChanged(UserEmailChanged {
            user_id: after.id,
            old_email: before.email.as_str().to_owned(),
            new_email: after.email.as_str().to_owned(),
            display_name: after.display_name.as_str().to_owned(),
            by_admin: self.actor.is_some_and(|actor| actor != after.id),
            undo,
        }))
    }

    /// `user.updated`: the user as stored now, naming what changed.
    pub fn updated(&self, before: &User, after: &User, extra: &[&str]) -> Envelope {
        let mut changed: Vec<String> = [
            ("email", before.email != after.email),
            ("display_name", before.display_name != after.display_name),
            ("role", before.role != after.role),
            ("disabled", before.is_disabled() != after.is_disabled()),
            (
                "email_verified",
                before.email_verified_at.is_some() != after.email_verified_at.is_some(),
            ),
        ]
        .into_iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| name.to_owned())
        .collect();
        changed.extend(extra.iter().map(|name| (*name).to_owned()));
        self.envelope(Event::UserUpdated(UserUpdated {
            user_id: after.id,
            email: after.email.as_str().to_owned(),
            display_name: after.display_name.as_str().to_owned(),
            role: after.role,
            email_verified: after.email_verified_at.is_some(),
            changed,
        }))
    }

    /// `user.deleted`.
    pub fn deleted(&self, user_id: Uuid) -> Envelope {
        self.envelope(Event::UserDeleted(UserDeleted { user_id }))
    }
}
