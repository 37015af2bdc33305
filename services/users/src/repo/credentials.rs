//! Queries on the `users` table that touch credentials: the password hash
//! and the auth version it moves with. Kept apart from `users.rs` so that
//! what reads or writes a password hash is in one place.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{RepoError, lower, outbox, user_row::UserRow};
use crate::{
    domain::{Email, User},
    schema::users,
};
use capstone_contracts::events::Envelope;

impl super::UserRepository {
    /// Replaces the password hash if it still fingerprints as `expected`
    /// (what a reset link was issued against), announcing it. `NotFound`
    /// when the user is gone or the password changed since.
    pub async fn reset_password_hash(
        &self,
        id: Uuid,
        expected_fingerprint: &str,
        new_hash: &str,
        fingerprint: impl Fn(Option<&str>) -> String + Send + Sync,
        announce: impl FnOnce(&User) -> Envelope + Send,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<User, RepoError, _>(async |connection| {
                let stored: Option<String> = users::table
                    .find(id)
                    .select(users::password_hash)
                    .for_update()
                    .first(connection)
                    .await?;
                if fingerprint(stored.as_deref()) != expected_fingerprint {
                    return Err(RepoError::NotFound);
                }
                let row: UserRow = diesel::update(users::table.find(id))
                    .set((
                        users::password_hash.eq(new_hash),
                        users::auth_version.eq(users::auth_version + 1),
                    ))
                    .returning(UserRow::as_returning())
                    .get_result(connection)
                    .await?;
                let user: User = row.try_into()?;
                outbox::enqueue(connection, &announce(&user)).await?;
                Ok(user)
            })
            .await
    }

    /// The user with this email (any case) and their password hash, if any.
    pub async fn find_with_password_hash(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, RepoError> {
        // The spelling addresses are stored in (a Unicode domain as
        // punycode), then both sides through Postgres' lower(): the same
        // folding as the unique index.
        let email = Email::lookup_form(email);
        let mut connection = self.pool.get().await?;
        let found: Option<(UserRow, Option<String>)> = users::table
            .filter(lower(users::email).eq(lower(email)))
            .select((UserRow::as_select(), users::password_hash))
            .first(&mut connection)
            .await
            .optional()?;
        found
            .map(|(row, hash)| Ok((User::try_from(row)?, hash)))
            .transpose()
    }

    /// The password hash of user `id` (`None` inside if they have none).
    pub async fn password_hash(&self, id: Uuid) -> Result<Option<String>, RepoError> {
        let mut connection = self.pool.get().await?;
        users::table
            .find(id)
            .select(users::password_hash)
            .first(&mut connection)
            .await
            .map_err(RepoError::from)
    }

    /// Replaces the password hash and bumps the auth version (access tokens
    /// issued before stop working); the user as stored now.
    pub async fn set_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        let row: UserRow = diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(password_hash),
                users::auth_version.eq(users::auth_version + 1),
            ))
            .returning(UserRow::as_returning())
            .get_result(&mut connection)
            .await?;
        row.try_into()
    }
}
