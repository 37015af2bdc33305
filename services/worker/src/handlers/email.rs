//! Emails to users: compose from the event, send, record.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::{Handler, HandlerError, Outcome, Received};
use crate::{
    dependencies::Dependency,
    email::{EmailError, Mailer},
    repo::ProcessedEvents,
    topology::Concern,
};

/// Sends the email an event calls for (welcome, verification, reset).
#[derive(Debug, Clone)]
pub struct EmailHandler {
    mailer: Arc<Mailer>,
    processed: ProcessedEvents,
}

impl EmailHandler {
    /// A handler sending through `mailer`, recording in `processed`.
    pub fn new(mailer: Arc<Mailer>, processed: ProcessedEvents) -> Self {
        Self { mailer, processed }
    }
}

impl From<EmailError> for HandlerError {
    fn from(error: EmailError) -> Self {
        match error {
            EmailError::Transient(_) => HandlerError::Transient(error.to_string()),
            EmailError::Permanent(_) => HandlerError::Permanent(error.to_string()),
            EmailError::Unavailable(_) => HandlerError::Unavailable {
                dependency: Dependency::Smtp,
                reason: error.to_string(),
            },
        }
    }
}

impl Handler for EmailHandler {
    fn concern(&self) -> Concern {
        Concern::Email
    }

    // ANCHOR: handle
    /// At least once, not exactly once: sending an email and recording that
    /// it was sent cannot share a transaction. If the worker dies between
    /// the send and the record, the message is redelivered and the email
    /// sent again. Its Message-ID is derived from the event id, so mail
    /// systems can recognise the duplicate, and the file sink overwrites the
    /// same `{event id}.eml`. Recording *before* sending would turn that
    /// window into a lost email instead, which is worse.
    fn handle<'a>(
        &'a self,
        received: &'a Received,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        Box::pin(async move {
            let envelope = &received.envelope;
            if self.processed.contains(Concern::Email, envelope.id).await? {
                return Ok(Outcome::Duplicate);
            }
            let Some(message) = self.mailer.compose(envelope)? else {
                self.processed.record(Concern::Email, envelope.id).await?;
                return Ok(Outcome::Ignored);
            };
            let destination = self.mailer.send(envelope.id, &message).await?;
            tracing::debug!(event_id = %envelope.id, %destination, "email sent");
            self.processed.record(Concern::Email, envelope.id).await?;
            Ok(Outcome::Applied)
        })
    }
    // ANCHOR_END: handle
}
