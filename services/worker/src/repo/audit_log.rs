//! `audit_log`: the audit trail. See the migration for why it looks as it does.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{RepoError, processed_events::record_on};
use crate::{schema::audit_log, topology::Concern};
use capstone_contracts::events::Envelope;
use capstone_platform::database::PgPool;

/// One row of the trail, as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditEntry {
    /// The event's id (unique in the trail).
    pub event_id: Uuid,
    /// `user.registered`…
    pub event_type: String,
    /// The user the event is about.
    pub user_id: Uuid,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// When the worker wrote this row.
    pub recorded_at: DateTime<Utc>,
    /// The request id that caused the change, if any.
    pub correlation_id: Option<String>,
    /// The payload with sealed link tokens left out.
    pub payload: serde_json::Value,
    /// Who made the change, when it was someone else (an admin).
    pub actor_id: Option<Uuid>,
}

/// Whether [`AuditLog::append`] wrote the event or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    Written,
    AlreadyPresent,
}

/// Writes and reads the trail. Cheap to clone (shares the pool).
#[derive(Clone)]
pub struct AuditLog {
    pool: PgPool,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").finish_non_exhaustive()
    }
}

impl AuditLog {
    /// The trail in the database behind `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    // ANCHOR: append
    /// Appends `envelope` to the trail exactly once, however often it is
    /// delivered: the idempotency record and the row are written in one
    /// transaction, so either both exist or neither does. A redelivery finds
    /// the record (0 rows inserted) and writes nothing.
    pub async fn append(&self, envelope: &Envelope) -> Result<Appended, RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<Appended, RepoError, _>(async |connection| {
                if !record_on(connection, Concern::Audit, envelope.id).await? {
                    return Ok(Appended::AlreadyPresent);
                }
                diesel::insert_into(audit_log::table)
                    .values((
                        audit_log::event_id.eq(envelope.id),
                        audit_log::event_type.eq(envelope.event.event_type()),
                        audit_log::user_id.eq(envelope.event.user_id()),
                        audit_log::occurred_at.eq(envelope.occurred_at),
                        audit_log::correlation_id.eq(envelope.correlation_id.as_deref()),
                        audit_log::payload.eq(envelope.redacted_payload()),
                        audit_log::actor_id.eq(envelope
                            .actor
                            .filter(|actor| *actor != envelope.event.user_id())),
                    ))
                    .execute(connection)
                    .await?;
                Ok(Appended::Written)
            })
            .await
    }
    // ANCHOR_END: append

    /// Every entry about `user_id`, oldest first.
    pub async fn for_user(&self, user_id: Uuid) -> Result<Vec<AuditEntry>, RepoError> {
        let mut connection = self.pool.get().await?;
        let entries = audit_log::table
            .filter(audit_log::user_id.eq(user_id))
            .order((audit_log::occurred_at, audit_log::id))
            .select(AuditEntry::as_select())
            .load(&mut connection)
            .await?;
        Ok(entries)
    }
}
