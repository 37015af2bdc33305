//! The `outbox` table: events written with the change that caused them, read
//! back by the relay. See the migration for why it exists.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::RepoError;
use crate::schema::outbox;
use capstone_contracts::events::Envelope;
use capstone_platform::database::PgPool;

// ANCHOR: enqueue
/// Writes `envelope` into the outbox on `connection`, which must be inside
/// the transaction that makes the change the event announces: the event is
/// then committed, or rolled back, with the change.
pub async fn enqueue(
    connection: &mut AsyncPgConnection,
    envelope: &Envelope,
) -> Result<(), RepoError> {
    let json = serde_json::to_value(envelope)
        .map_err(|error| RepoError::CorruptRow(format!("event {}: {error}", envelope.id)))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(envelope.id),
            outbox::event_type.eq(envelope.event.event_type()),
            outbox::envelope.eq(json),
        ))
        .execute(connection)
        .await?;
    Ok(())
}
// ANCHOR_END: enqueue

/// [`enqueue`] for each of `envelopes`, in order (a change that is
/// announced by more than one event: an address change is both
/// `user.updated` and `user.email_changed`).
pub async fn enqueue_all(
    connection: &mut AsyncPgConnection,
    envelopes: &[Envelope],
) -> Result<(), RepoError> {
    for envelope in envelopes {
        enqueue(connection, envelope).await?;
    }
    Ok(())
}

/// An unsent event, as the relay publishes it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox, check_for_backend(diesel::pg::Pg))]
pub struct PendingEvent {
    pub id: Uuid,
    pub event_type: String,
    pub envelope: serde_json::Value,
}

/// How many events wait, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    pub unsent: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// Which unsent rows [`OutboxRepository::record_failure`] notes a failure on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureScope {
    /// Every unsent row: a write per waiting event, so kept rare.
    AllUnsent,
    /// Only rows with no failure noted yet, or another cause: cheap during
    /// a long outage (the rows committed since the last note).
    NewOrChanged,
}

/// Reads and updates the outbox for the relay. Cheap to clone.
#[derive(Clone)]
pub struct OutboxRepository {
    pool: PgPool,
}

impl std::fmt::Debug for OutboxRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxRepository").finish_non_exhaustive()
    }
}

/// Claiming and publishing failed: the database, or the publish itself.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError<E> {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("publishing failed: {0}")]
    Publish(E),
}

impl<E> From<diesel::result::Error> for ClaimError<E> {
    fn from(error: diesel::result::Error) -> Self {
        ClaimError::Repo(error.into())
    }
}

impl OutboxRepository {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    // ANCHOR: claim_and_publish
    /// Claims up to `limit` unsent events, oldest first, hands them to
    /// `publish`, and marks sent exactly the ids it returns (those the broker
    /// confirmed), all in one transaction. Returns how many were confirmed
    /// (fewer than claimed when some were unroutable: those stay unsent).
    ///
    /// `FOR UPDATE SKIP LOCKED` is what lets several relays run at once:
    /// each locks the rows it claims, and the others skip those rows instead
    /// of waiting for them or publishing them too. The lock is held while
    /// publishing (milliseconds: the confirms are awaited together), so no
    /// other relay can take the same rows in the meantime. If the relay dies
    /// after the broker confirmed but before the commit, the rows stay
    /// unsent and are published again: at-least-once, which is why every
    /// consumer de-duplicates by event id.
    pub async fn claim_and_publish<E, F>(
        &self,
        limit: i64,
        publish: impl FnOnce(Vec<PendingEvent>) -> F + Send,
    ) -> Result<usize, ClaimError<E>>
    where
        E: Send,
        F: Future<Output = Result<Vec<Uuid>, E>> + Send,
    {
        let mut connection = self.pool.get().await.map_err(RepoError::from)?;
        connection
            .transaction::<usize, ClaimError<E>, _>(async |connection| {
                let claimed: Vec<PendingEvent> = outbox::table
                    .filter(outbox::sent_at.is_null())
                    .order(outbox::id)
                    .limit(limit)
                    .select(PendingEvent::as_select())
                    .for_update()
                    .skip_locked()
                    .load(connection)
                    .await?;
                if claimed.is_empty() {
                    return Ok(0);
                }
                let confirmed = publish(claimed).await.map_err(ClaimError::Publish)?;
                let count = confirmed.len();
                diesel::update(outbox::table.filter(outbox::id.eq_any(&confirmed)))
                    .set(outbox::sent_at.eq(Utc::now()))
                    .execute(connection)
                    .await?;
                Ok(count)
            })
            .await
    }
    // ANCHOR_END: claim_and_publish

    // ANCHOR: record_failure
    /// Notes a relay failure (no connection, or a failed publish) on unsent
    /// rows, for operators reading the table: `attempts + 1` and the cause
    /// in `last_error`. Returns how many rows it touched. Sent rows are never
    /// touched; see `events::relay_failures` for how often this runs.
    pub async fn record_failure(
        &self,
        reason: &str,
        scope: FailureScope,
    ) -> Result<usize, RepoError> {
        let mut connection = self.pool.get().await?;
        let unsent = outbox::table.filter(outbox::sent_at.is_null());
        let note = (
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(reason),
        );
        let touched = match scope {
            FailureScope::AllUnsent => {
                diesel::update(unsent)
                    .set(note)
                    .execute(&mut connection)
                    .await?
            }
            // `IS DISTINCT FROM`: a NULL `last_error` (never failed) differs.
            FailureScope::NewOrChanged => {
                diesel::update(unsent.filter(outbox::last_error.is_distinct_from(reason)))
                    .set(note)
                    .execute(&mut connection)
                    .await?
            }
        };
        Ok(touched)
    }
    // ANCHOR_END: record_failure

    /// Deletes events sent more than `retention` ago; returns how many.
    pub async fn prune(&self, retention: TimeDelta) -> Result<usize, RepoError> {
        let mut connection = self.pool.get().await?;
        let deleted = diesel::delete(
            outbox::table
                .filter(outbox::sent_at.is_not_null())
                .filter(outbox::sent_at.lt(Utc::now() - retention)),
        )
        .execute(&mut connection)
        .await?;
        Ok(deleted)
    }

    /// Unsent events and the oldest one's age (for health and metrics).
    pub async fn backlog(&self) -> Result<Backlog, RepoError> {
        let mut connection = self.pool.get().await?;
        let (unsent, oldest) = outbox::table
            .filter(outbox::sent_at.is_null())
            .select((
                diesel::dsl::count_star(),
                diesel::dsl::min(outbox::created_at),
            ))
            .first::<(i64, Option<DateTime<Utc>>)>(&mut connection)
            .await?;
        Ok(Backlog { unsent, oldest })
    }
}
