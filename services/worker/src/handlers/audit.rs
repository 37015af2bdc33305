//! The audit trail: every user event, stored once, link tokens redacted.

use futures_util::future::BoxFuture;

use super::{Handler, HandlerError, Outcome, Received};
use crate::{
    repo::{Appended, AuditLog},
    topology::Concern,
};

/// Appends each event to `audit_log` (see [`AuditLog::append`]).
#[derive(Debug, Clone)]
pub struct AuditHandler {
    log: AuditLog,
}

impl AuditHandler {
    /// A handler writing to `log`.
    pub fn new(log: AuditLog) -> Self {
        Self { log }
    }
}

impl Handler for AuditHandler {
    fn concern(&self) -> Concern {
        Concern::Audit
    }

    fn handle<'a>(
        &'a self,
        received: &'a Received,
    ) -> BoxFuture<'a, Result<Outcome, HandlerError>> {
        Box::pin(async move {
            match self.log.append(&received.envelope).await? {
                Appended::Written => Ok(Outcome::Applied),
                Appended::AlreadyPresent => Ok(Outcome::Duplicate),
            }
        })
    }
}
