//! Moving an account to another address, in one transaction with the events
//! that announce it: confirming a change the user asked for, and undoing one
//! from the old address.
//!
//! Both are guarded by the address the account must still have (`from`):
//! a link applies once, to the state it was issued for, and a second click,
//! or a link for an older request, finds the account elsewhere and changes
//! nothing (`NotFound`, which the handlers answer as an invalid link).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use super::{RepoError, outbox, user_row::UserRow, users::lock_user};
use crate::{
    domain::{Email, User},
    schema::users,
};
use capstone_contracts::events::Envelope;

impl super::UserRepository {
    /// Moves user `id` from `from` to `to`, which is verified by the same
    /// act (the confirmation came from that mailbox). `EmailTaken` when
    /// another account got `to` meanwhile.
    pub async fn confirm_email_change(
        &self,
        id: Uuid,
        from: &str,
        to: &Email,
        announce: impl FnOnce(&User, &User) -> Vec<Envelope> + Send,
    ) -> Result<User, RepoError> {
        self.move_address(id, from, to, None, announce).await
    }

    /// Moves user `id` back from `current` to `previous` and sets a new
    /// password: whoever changed the address knew the old one. The auth
    /// version moves too, so every access token dies with the sessions the
    /// caller revokes.
    pub async fn undo_email_change(
        &self,
        id: Uuid,
        current: &str,
        previous: &Email,
        new_password_hash: &str,
        announce: impl FnOnce(&User, &User) -> Vec<Envelope> + Send,
    ) -> Result<User, RepoError> {
        self.move_address(id, current, previous, Some(new_password_hash), announce)
            .await
    }

    // ANCHOR: move_address
    /// The one transaction both moves are: lock the account while it still
    /// has `from`, give it `to` (verified: a link opened from a mailbox
    /// proved it), set the new password if any, announce.
    async fn move_address(
        &self,
        id: Uuid,
        from: &str,
        to: &Email,
        new_password_hash: Option<&str>,
        announce: impl FnOnce(&User, &User) -> Vec<Envelope> + Send,
    ) -> Result<User, RepoError> {
        let mut connection = self.pool.get().await?;
        connection
            .transaction::<User, RepoError, _>(async |connection| {
                let before = lock_user(connection, id, Some(from)).await?;
                let moved = diesel::update(users::table.find(id)).set((
                    users::email.eq(to.as_str()),
                    users::email_verified_at.eq(Utc::now()),
                ));
                let mut row: UserRow = moved
                    .returning(UserRow::as_returning())
                    .get_result(connection)
                    .await?;
                if let Some(hash) = new_password_hash {
                    row = diesel::update(users::table.find(id))
                        .set((
                            users::password_hash.eq(hash),
                            users::auth_version.eq(users::auth_version + 1),
                        ))
                        .returning(UserRow::as_returning())
                        .get_result(connection)
                        .await?;
                }
                let after: User = row.try_into()?;
                outbox::enqueue_all(connection, &announce(&before, &after)).await?;
                Ok(after)
            })
            .await
    }
    // ANCHOR_END: move_address
}
