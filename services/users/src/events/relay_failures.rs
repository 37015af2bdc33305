//! What the relay does with a failure besides logging it: counts it
//! (`capstone_users_outbox_relay_failures_total{kind}`) and notes it on the
//! unsent outbox rows (`attempts`, `last_error`), where an operator reading
//! the table looks first. Without this, a broker outage left `attempts` at 0
//! while rows piled up: the relay waits in `connect_until_up` and never
//! reaches a publish that could fail.
//!
//! A failure is noted on the rows at most once per [`NOTE_EVERY`] per relay,
//! and most notes touch only the rows that need one:
//!
//! * [`FailureScope::NewOrChanged`]: rows with no failure noted yet (those
//!   committed since the last note) or another cause. During a long outage
//!   this reads the unsent rows through their partial index and writes only
//!   the new ones.
//! * [`FailureScope::AllUnsent`], once per [`ALL_ROWS_EVERY`]: every unsent
//!   row, `attempts + 1`. The one write proportional to the backlog, so
//!   100,000 waiting rows cost 100,000 row updates a minute, not every 5 s.
//!
//! So `attempts` counts the notes a row received: one as soon as it first
//! waits through a failure, then one a minute (one per relay instance:
//! each replica keeps its own schedule).

use std::{sync::Mutex, time::Duration};

use capstone_platform::amqp::ConnectionObserver;
use tokio::time::Instant;

use crate::{
    metrics::{RelayFailureKind, UsersMetrics},
    repo::{OutboxRepository, outbox::FailureScope},
};

/// The shortest time between two notes on the rows: a failing relay retries
/// every few seconds, and each retry need not rewrite the table.
pub(super) const NOTE_EVERY: Duration = Duration::from_secs(5);

/// How often a note reaches every unsent row (`attempts + 1` on each).
pub(super) const ALL_ROWS_EVERY: Duration = Duration::from_secs(60);

/// Shared by the relay's session (publish failures) and the session loop
/// (connect failures). A std `Mutex`: held for a comparison, never across
/// an `.await`.
pub(super) struct RelayFailures {
    outbox: OutboxRepository,
    metrics: UsersMetrics,
    schedule: Mutex<NoteSchedule>,
}

impl RelayFailures {
    pub(super) fn new(outbox: OutboxRepository, metrics: UsersMetrics) -> Self {
        Self {
            outbox,
            metrics,
            schedule: Mutex::new(NoteSchedule::default()),
        }
    }

    /// Counts the failure, and notes it on the rows when a note is due.
    pub(super) async fn record(&self, kind: RelayFailureKind, reason: &str) {
        self.metrics.outbox_relay_failure(kind);
        let due = self
            .schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .due(Instant::now());
        let Some(scope) = due else { return };
        if let Err(error) = self.outbox.record_failure(reason, scope).await {
            // Postgres away too: the metric and the log still tell.
            tracing::debug!(%error, "relay failure not noted on the outbox");
        }
    }
}

impl ConnectionObserver for RelayFailures {
    fn connect_failed(&self, reason: &str) -> impl Future<Output = ()> + Send {
        self.record(RelayFailureKind::Connect, reason)
    }
}

/// When the last notes were written.
#[derive(Debug, Default)]
struct NoteSchedule {
    last_note: Option<Instant>,
    last_all_rows: Option<Instant>,
}

impl NoteSchedule {
    /// Which rows to note a failure on at `now`, or `None` when the last
    /// note is too recent.
    fn due(&mut self, now: Instant) -> Option<FailureScope> {
        let since = |last: Option<Instant>| last.map(|last| now.duration_since(last));
        if since(self.last_note).is_some_and(|elapsed| elapsed < NOTE_EVERY) {
            return None;
        }
        self.last_note = Some(now);
        if since(self.last_all_rows).is_some_and(|elapsed| elapsed < ALL_ROWS_EVERY) {
            return Some(FailureScope::NewOrChanged);
        }
        self.last_all_rows = Some(now);
        Some(FailureScope::AllUnsent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_is_noted_on_every_unsent_row() {
        let mut schedule = NoteSchedule::default();
        assert_eq!(schedule.due(Instant::now()), Some(FailureScope::AllUnsent));
    }

    #[test]
    fn notes_are_at_most_one_per_interval_and_reach_every_row_once_a_minute() {
        let start = Instant::now();
        let mut schedule = NoteSchedule::default();
        let at = |secs: u64| start + Duration::from_secs(secs);

        assert_eq!(schedule.due(at(0)), Some(FailureScope::AllUnsent));
        assert_eq!(schedule.due(at(1)), None, "too soon");
        assert_eq!(schedule.due(at(4)), None, "too soon");
        assert_eq!(schedule.due(at(5)), Some(FailureScope::NewOrChanged));
        assert_eq!(schedule.due(at(9)), None);
        assert_eq!(schedule.due(at(55)), Some(FailureScope::NewOrChanged));
        assert_eq!(schedule.due(at(60)), Some(FailureScope::AllUnsent));
        assert_eq!(schedule.due(at(66)), Some(FailureScope::NewOrChanged));
    }
}
