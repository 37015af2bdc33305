//! Queries on the `users` table.

use chrono::Utc;
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{Bool, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{
    RepoError, admins, lower, outbox,
    user_row::{NewUserRow, UserChangeset, UserRow},
};
use crate::{
    domain::{NewUser, User, UserChanges, UserListing},
    schema::{refresh_tokens, users},
};
use capstone_contracts::events::Envelope;
use capstone_platform::database::PgPool;

/// Reads and writes users. Cheap to clone: it shares the pool.
#[derive(Clone)]
pub struct UserRepository {
    pub(super) pool: PgPool,
}

impl std::fmt::Debug for UserRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRepository").finish_non_exhaustive()
    }
}

impl UserRepository {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The same repository over another pool (a read replica), for reads.
    pub fn reading_from(&self, pool: &PgPool) -> Self {
        Self { pool: pool.clone() }
    }

    // ANCHOR: insert_announced
    /// Inserts a user (who can log in if `password_hash` is set) and, in the
    /// same transaction, the event `announce` makes of the stored user.
    pub async fn insert(
        &self,
        new_user: &NewUser,
        password_hash: Option<&str>,
        announce: impl FnOnce(&User) -> Envelope + Send,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<User, RepoError, _>(async |connection| {
                let user: User = insert_row(connection, new_user, password_hash)
                    .await?
                    .try_into()?;
                outbox::enqueue(connection, &announce(&user)).await?;
                Ok(user)
            })
            .await
    }
    // ANCHOR_END: insert_announced

    /// Inserts a user without announcing it: bootstrap tooling only
    /// (`capstone seed`, benchmarks), where no one is there to greet.
    pub async fn insert_unannounced(
        &self,
        new_user: &NewUser,
        password_hash: Option<&str>,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        insert_row(&mut connection, new_user, password_hash)
            .await?
            .try_into()
    }

    /// Writes an event that accompanies no row change (a reset request).
    pub async fn announce(&self, envelope: &Envelope) -> Result<(), RepoError> {
        let mut connection = self.pool.get().await?;
        outbox::enqueue(&mut connection, envelope).await
    }

    /// Marks `email` of user `id` verified, announcing it, unless it already
    /// is. `NotFound` when the user is gone or no longer has that address.
    pub async fn mark_email_verified(
        &self,
        id: Uuid,
        email: &str,
        announce: impl FnOnce(&User) -> Envelope + Send,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<User, RepoError, _>(async |connection| {
                let current = lock_user(connection, id, Some(email)).await?;
                if current.email_verified_at.is_some() {
                    return Ok(current); // verifying twice changes nothing
                }
                let row: UserRow = diesel::update(users::table.find(id))
                    .set(users::email_verified_at.eq(diesel::dsl::now))
                    .returning(UserRow::as_returning())
                    .get_result(connection)
                    .await?;
                let user: User = row.try_into()?;
                outbox::enqueue(connection, &announce(&user)).await?;
                Ok(user)
            })
            .await
    }

    pub async fn find(&self, id: Uuid) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        let row: UserRow = users::table
            .find(id)
            .select(UserRow::as_select())
            .first(&mut connection)
            .await?;
        row.try_into()
    }

    /// Like [`find`](Self::find), with "no such user" as `None` (what the
    /// cache stores for negative caching).
    pub async fn find_optional(&self, id: Uuid) -> Result<Option<User>, RepoError> {
        match self.find(id).await {
            Ok(user) => Ok(Some(user)),
            Err(RepoError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    // ANCHOR: list_users
    /// One page, newest first, plus one extra row that only tells the caller
    /// whether another page exists.
    pub async fn list(&self, listing: &UserListing) -> Result<Vec<User>, RepoError> {
        let filter = &listing.filter;
        let mut query = users::table
            .select(UserRow::as_select())
            .order((users::created_at.desc(), users::id.desc()))
            .limit(i64::from(listing.page_size) + 1)
            .into_boxed();

        if let Some(prefix) = &filter.email_prefix {
            // Escape LIKE's wildcards so `a_b` matches only `a_b`, not `axb`.
            let pattern = format!("{}%", escape_like(&prefix.to_lowercase()));
            query = query.filter(lower(users::email).like(pattern).escape('\\'));
        }
        if let Some(role) = filter.role {
            query = query.filter(users::role.eq(role.as_str()));
        }
        if let Some(after) = filter.created_after {
            query = query.filter(users::created_at.ge(after));
        }
        if let Some(before) = filter.created_before {
            query = query.filter(users::created_at.lt(before));
        }
        if let Some(cursor) = listing.after {
            // A row-value comparison is what the (created_at DESC, id DESC)
            // index can answer as one range; diesel's DSL has no tuple `<`,
            // so this is a typed SQL fragment with bound parameters.
            query = query.filter(
                sql::<Bool>("(users.created_at, users.id) < (")
                    .bind::<Timestamptz, _>(cursor.created_at)
                    .sql(", ")
                    .bind::<SqlUuid, _>(cursor.id)
                    .sql(")"),
            );
        }

        let mut connection = self.pool.get().await?;
        let rows: Vec<UserRow> = query.load(&mut connection).await?;
        rows.into_iter().map(User::try_from).collect()
    }
    // ANCHOR_END: list_users

    // ANCHOR: update_user
    /// Applies `changes` in one transaction: lock the row, apply the domain
    /// rules to what is stored now, write the result. The row lock makes two
    /// concurrent PATCHes of the same user take turns instead of one silently
    /// overwriting the other's view of the row.
    pub async fn update(
        &self,
        id: Uuid,
        changes: &UserChanges,
        announce: impl FnOnce(&User, &User) -> Result<Vec<Envelope>, RepoError> + Send,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<User, RepoError, _>(async |connection| {
                // Admins first, then the row: the order every writer keeps.
                let admins = if changes.may_remove_an_admin() {
                    admins::lock_active_admins(connection).await?
                } else {
                    Vec::new()
                };
                let current = lock_user(connection, id, None).await?;
                let updated = current.with_changes(changes, Utc::now());
                if updated == current {
                    return Ok(current); // nothing to write, keep updated_at
                }
                admins::keep_an_admin(&current, Some(&updated), &admins)?;
                let row: UserRow = diesel::update(users::table.find(id))
                    .set(UserChangeset::from(&updated))
                    .returning(UserRow::as_returning())
                    .get_result(connection)
                    .await?;
                let stored: User = row.try_into()?;
                if stored.is_disabled() && !current.is_disabled() {
                    // Suspended: its sessions end in the same commit.
                    diesel::update(
                        refresh_tokens::table
                            .filter(refresh_tokens::user_id.eq(id))
                            .filter(refresh_tokens::revoked_at.is_null()),
                    )
                    .set(refresh_tokens::revoked_at.eq(Utc::now()))
                    .execute(connection)
                    .await?;
                }
                outbox::enqueue_all(connection, &announce(&current, &stored)?).await?;
                Ok(stored)
            })
            .await
    }
    // ANCHOR_END: update_user

    /// Deletes user `id` and announces it, in one transaction; never the
    /// last active admin.
    pub async fn delete(&self, id: Uuid, announcement: &Envelope) -> Result<(), RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<(), RepoError, _>(async |connection| {
                let admins = admins::lock_active_admins(connection).await?;
                let current = lock_user(connection, id, None).await?;
                admins::keep_an_admin(&current, None, &admins)?;
                diesel::delete(users::table.find(id))
                    .execute(connection)
                    .await?;
                outbox::enqueue(connection, announcement).await
            })
            .await
    }
}

/// User `id`, its row locked until the transaction ends (`SELECT … FOR
/// UPDATE`): concurrent writers of one user take turns. With `address`,
/// only while the account still has it (any case), else `NotFound`.
pub(super) async fn lock_user(
    connection: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    address: Option<&str>,
) -> Result<User, RepoError> {
    let row: UserRow = match address {
        None => {
            users::table
                .find(id)
                .select(UserRow::as_select())
                .for_update()
                .first(connection)
                .await?
        }
        Some(address) => {
            users::table
                .find(id)
                .filter(lower(users::email).eq(lower(address)))
                .select(UserRow::as_select())
                .for_update()
                .first(connection)
                .await?
        }
    };
    row.try_into()
}

async fn insert_row(
    connection: &mut diesel_async::AsyncPgConnection,
    new_user: &NewUser,
    password_hash: Option<&str>,
) -> Result<UserRow, RepoError> {
    Ok(diesel::insert_into(users::table)
        .values((
            NewUserRow::from(new_user),
            users::password_hash.eq(password_hash),
        ))
        .returning(UserRow::as_returning())
        .get_result(connection)
        .await?)
}

fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"a_b%c\d"), r"a\_b\%c\\d");
    }
}
