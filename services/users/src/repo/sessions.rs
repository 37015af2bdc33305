//! Login sessions as families of single-use refresh tokens.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{RepoError, user_row::UserRow};
use crate::{
    domain::{Session, User},
    schema::{refresh_tokens, users},
};
use capstone_platform::database::PgPool;

/// How long tokens live (from `users.auth`).
#[derive(Debug, Clone, Copy)]
pub struct SessionLifetimes {
    pub idle: TimeDelta,
    pub absolute: TimeDelta,
}

/// What presenting a refresh token led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Valid: it is now used, and its successor is stored. The user is read
    /// in the same transaction: a role changed since login applies from here
    /// on, and the new access token carries the current auth version.
    Rotated { user: User, family_id: Uuid },
    /// Already used before: the family was revoked (likely theft).
    ReuseDetected { user_id: Uuid, family_id: Uuid },
    /// Unknown, expired or revoked.
    Rejected,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
struct StoredToken {
    family_id: Uuid,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
    family_expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Reads and writes `refresh_tokens`. Cheap to clone: it shares the pool.
#[derive(Clone)]
pub struct SessionRepository {
    pool: PgPool,
    lifetimes: SessionLifetimes,
}

impl std::fmt::Debug for SessionRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRepository")
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

impl SessionRepository {
    pub fn new(pool: PgPool, lifetimes: SessionLifetimes) -> Self {
        Self { pool, lifetimes }
    }

    /// The same repository over another pool (a read replica), for reads.
    pub fn reading_from(&self, pool: &PgPool) -> Self {
        Self {
            pool: pool.clone(),
            lifetimes: self.lifetimes,
        }
    }

    /// How long a refresh token stays valid unused (a session's absolute
    /// limit may end it sooner).
    pub fn idle_lifetime(&self) -> TimeDelta {
        self.lifetimes.idle
    }

    /// Starts a session (a login): the first token of a new family, whose
    /// id (the session's) it returns.
    pub async fn start(&self, user_id: Uuid, token_hash: &[u8; 32]) -> Result<Uuid, RepoError> {
        let now = Utc::now();
        let family_expires_at = now + self.lifetimes.absolute;
        let family_id = Uuid::now_v7();
        let mut connection = self.pool.get().await?;
        insert_token(
            &mut connection,
            family_id,
            user_id,
            token_hash,
            (now + self.lifetimes.idle).min(family_expires_at),
            family_expires_at,
        )
        .await?;
        Ok(family_id)
    }

    // ANCHOR: rotate
    /// Exchanges the token hashed as `presented` for the one hashed as
    /// `successor`, in one transaction with the presented row locked, so two
    /// concurrent refreshes with the same token cannot both succeed. Nothing
    /// else reads the database after the commit: a failure after it cannot
    /// leave the client holding a spent token and no successor.
    pub async fn rotate(
        &self,
        presented: &[u8; 32],
        successor: &[u8; 32],
    ) -> Result<Rotation, RepoError> {
        let idle = self.lifetimes.idle;
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<Rotation, RepoError, _>(async |connection| {
                let now = Utc::now();
                let stored: Option<StoredToken> = refresh_tokens::table
                    .filter(refresh_tokens::token_hash.eq(presented.as_slice()))
                    .select(StoredToken::as_select())
                    .for_update()
                    .first(connection)
                    .await
                    .optional()?;
                let Some(stored) = stored else {
                    return Ok(Rotation::Rejected);
                };
                if stored.revoked_at.is_some() {
                    return Ok(Rotation::Rejected);
                }
                if stored.used_at.is_some() {
                    revoke_family(connection, stored.family_id).await?;
                    return Ok(Rotation::ReuseDetected {
                        user_id: stored.user_id,
                        family_id: stored.family_id,
                    });
                }
                if stored.expires_at <= now || stored.family_expires_at <= now {
                    return Ok(Rotation::Rejected);
                }
                let user: User = users::table
                    .find(stored.user_id)
                    .select(UserRow::as_select())
                    .first(connection)
                    .await?
                    .try_into()?;
                if user.is_disabled() {
                    // A suspended account keeps no session to come back to.
                    revoke_family(connection, stored.family_id).await?;
                    return Ok(Rotation::Rejected);
                }
                diesel::update(
                    refresh_tokens::table
                        .filter(refresh_tokens::token_hash.eq(presented.as_slice())),
                )
                .set(refresh_tokens::used_at.eq(now))
                .execute(connection)
                .await?;
                insert_token(
                    connection,
                    stored.family_id,
                    stored.user_id,
                    successor,
                    (now + idle).min(stored.family_expires_at),
                    stored.family_expires_at,
                )
                .await?;
                Ok(Rotation::Rotated {
                    user,
                    family_id: stored.family_id,
                })
            })
            .await
    }
    // ANCHOR_END: rotate

    /// Ends the session the token belongs to (logout). Unknown tokens are
    /// ignored: logging out twice is not an error.
    pub async fn revoke_family_of(&self, presented: &[u8; 32]) -> Result<(), RepoError> {
        let mut connection = self.pool.get().await?;
        let family: Option<Uuid> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(presented.as_slice()))
            .select(refresh_tokens::family_id)
            .first(&mut connection)
            .await
            .optional()?;
        if let Some(family_id) = family {
            revoke_family(&mut connection, family_id).await?;
        }
        Ok(())
    }

    // ANCHOR: live_sessions
    /// The sessions of every one of `user_ids` that can still be refreshed,
    /// newest first, in one query whatever the number of users (the
    /// GraphQL `sessions` field batches its lookups into this).
    pub async fn live_for(&self, user_ids: &[Uuid]) -> Result<Vec<Session>, RepoError> {
        let mut connection = self.pool.get().await?;
        // A family's live token is its newest: unused and unrevoked. Each
        // family has at most one such row (rotation marks the old one used
        // in the same transaction that inserts its successor).
        let rows: Vec<(Uuid, Uuid, DateTime<Utc>, DateTime<Utc>)> = refresh_tokens::table
            .filter(refresh_tokens::user_id.eq_any(user_ids))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(Utc::now()))
            .order(refresh_tokens::created_at.desc())
            .select((
                refresh_tokens::family_id,
                refresh_tokens::user_id,
                refresh_tokens::created_at,
                refresh_tokens::expires_at,
            ))
            .load(&mut connection)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, user_id, last_refreshed_at, expires_at)| Session {
                id,
                user_id,
                signed_in_at: Session::signed_in_at(id, last_refreshed_at),
                last_refreshed_at,
                expires_at,
            })
            .collect())
    }
    // ANCHOR_END: live_sessions

    /// Ends session `family_id` of `user_id`. `false` when that user has no
    /// such session that is not revoked already (someone else's is "none").
    pub async fn revoke(&self, user_id: Uuid, family_id: Uuid) -> Result<bool, RepoError> {
        let mut connection = self.pool.get().await?;
        let revoked = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(family_id))
                .filter(refresh_tokens::user_id.eq(user_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(Utc::now()))
        .execute(&mut connection)
        .await?;
        Ok(revoked > 0)
    }

    /// Ends every session of a user (password change, suspension).
    pub async fn revoke_all_for_user(&self, user_id: Uuid) -> Result<(), RepoError> {
        let mut connection = self.pool.get().await?;
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::user_id.eq(user_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(Utc::now()))
        .execute(&mut connection)
        .await?;
        Ok(())
    }
}

async fn insert_token(
    connection: &mut diesel_async::AsyncPgConnection,
    family_id: Uuid,
    user_id: Uuid,
    token_hash: &[u8; 32],
    expires_at: DateTime<Utc>,
    family_expires_at: DateTime<Utc>,
) -> Result<(), RepoError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::now_v7()),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::token_hash.eq(token_hash.as_slice()),
            refresh_tokens::expires_at.eq(expires_at),
            refresh_tokens::family_expires_at.eq(family_expires_at),
        ))
        .execute(connection)
        .await?;
    Ok(())
}

async fn revoke_family(
    connection: &mut diesel_async::AsyncPgConnection,
    family_id: Uuid,
) -> Result<(), RepoError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Utc::now()))
    .execute(connection)
    .await?;
    Ok(())
}
