//! `processed_events`: the idempotency record, one row per (consumer, event).

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::RepoError;
use crate::{schema::processed_events, topology::Concern};
use capstone_platform::database::PgPool;

/// Reads and writes `processed_events`. Cheap to clone (shares the pool).
#[derive(Clone)]
pub struct ProcessedEvents {
    pool: PgPool,
}

impl std::fmt::Debug for ProcessedEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessedEvents").finish_non_exhaustive()
    }
}

impl ProcessedEvents {
    /// The record in the database behind `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Whether `concern` has already applied `event_id`.
    pub async fn contains(&self, concern: Concern, event_id: Uuid) -> Result<bool, RepoError> {
        let mut connection = self.pool.get().await?;
        let found = diesel::select(diesel::dsl::exists(
            processed_events::table
                .filter(processed_events::consumer.eq(concern.as_str()))
                .filter(processed_events::event_id.eq(event_id)),
        ))
        .get_result::<bool>(&mut connection)
        .await?;
        Ok(found)
    }

    /// Forgets events processed more than `retention` ago; returns how many.
    /// A single `DELETE` over the `processed_at` index: run every hour, it
    /// touches an hour's worth of rows.
    pub async fn prune(&self, retention: TimeDelta) -> Result<usize, RepoError> {
        let mut connection = self.pool.get().await?;
        let cutoff = Utc::now() - retention;
        let deleted = diesel::delete(
            processed_events::table.filter(processed_events::processed_at.lt(cutoff)),
        )
        .execute(&mut connection)
        .await?;
        Ok(deleted)
    }

    /// Records that `concern` applied `event_id`; false if it already was.
    pub async fn record(&self, concern: Concern, event_id: Uuid) -> Result<bool, RepoError> {
        let mut connection = self.pool.get().await?;
        record_on(&mut connection, concern, event_id).await
    }
}

/// [`ProcessedEvents::record`] on a given connection, so a caller can make
/// it part of its own transaction. `ON CONFLICT DO NOTHING` turns "already
/// recorded" into 0 rows instead of an error that would abort the
/// transaction.
pub(crate) async fn record_on(
    connection: &mut AsyncPgConnection,
    concern: Concern,
    event_id: Uuid,
) -> Result<bool, RepoError> {
    let inserted = diesel::insert_into(processed_events::table)
        .values((
            processed_events::consumer.eq(concern.as_str()),
            processed_events::event_id.eq(event_id),
        ))
        .on_conflict_do_nothing()
        .execute(connection)
        .await?;
    Ok(inserted == 1)
}
