//! The worker's own dependencies, and how to tell they answer again.
//!
//! A handler that fails because Postgres or the mail server cannot be
//! reached says so (`HandlerError::Unavailable`): the event is not at
//! fault, and retrying it on a schedule would only spend its retries (1 s,
//! 10 s, 60 s by default) and park it in the dead letters while the outage
//! lasts. The consumer pauses instead, hands the message back, and probes
//! the dependency here until it answers (see `consumer/pause.rs`).

use std::{fmt, sync::Arc};

use capstone_platform::{
    database::PostgresCheck,
    health::{DependencyCheck, Down},
};

use crate::email::Mailer;

/// Something every message of a concern needs, outside the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dependency {
    /// The worker's database (`processed_events`, `audit_log`).
    Postgres,
    /// The mail server of the SMTP sink.
    Smtp,
}

impl Dependency {
    /// Its name in logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Smtp => "smtp",
        }
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Asks each dependency whether it answers, the way the handlers use it.
#[derive(Clone)]
pub(crate) struct DependencyProbes {
    /// `SELECT 1` on a pooled connection: the readiness check's probe.
    pub(crate) postgres: PostgresCheck,
    /// An SMTP `NOOP` on a fresh connection (nothing for the file sink).
    pub(crate) mailer: Arc<Mailer>,
}

impl DependencyProbes {
    /// `Ok` once `dependency` answers; why not otherwise.
    pub(crate) async fn probe(&self, dependency: Dependency) -> Result<(), Down> {
        match dependency {
            Dependency::Postgres => self.postgres.check().await,
            Dependency::Smtp => Ok(self.mailer.probe().await?),
        }
    }
}
