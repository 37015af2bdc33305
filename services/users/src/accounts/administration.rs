//! Managing accounts: change, delete, list. Who may do which is the
//! caller's permission (`domain::permissions`), checked here, where the
//! change is made.

use uuid::Uuid;

use super::Accounts;
use crate::{
    auth::AuthenticatedUser,
    domain::{PageCursor, Permission, User, UserChanges, UserListing},
    error::ApiError,
    events::EventOrigin,
    repo::RepoError,
};

/// One page of a listing, and where the next one starts (if there is one).
#[derive(Debug)]
pub struct UsersPage {
    pub users: Vec<User>,
    pub next_cursor: Option<String>,
}

impl Accounts {
    /// Changes some of user `id`'s fields on behalf of `caller`.
    pub async fn update_user(
        &self,
        origin: EventOrigin,
        caller: &AuthenticatedUser,
        id: Uuid,
        changes: UserChanges,
    ) -> Result<User, ApiError> {
        caller.require_self_or(id, Permission::UpdateAnyUser)?;
        if changes.email.is_some() && id == caller.id {
            // One's own address needs the password and a confirmation from
            // the new mailbox: see email_change.rs.
            return Err(ApiError::ReauthenticationRequired);
        }
        if (changes.role.is_some() && !caller.has(Permission::ChangeRoles))
            || (changes.disabled.is_some() && !caller.has(Permission::DisableUsers))
        {
            return Err(ApiError::Forbidden);
        }
        if id == caller.id && (changes.role.is_some() || changes.disabled.is_some()) {
            return Err(ApiError::SelfAdministration);
        }
        let origin = origin.by(caller.id);
        let user = self
            .users
            .update(id, &changes, |before, after| {
                let mut events = vec![origin.updated(before, after, &[])];
                // An admin moved someone else's account: its old address is
                // told at once, with the same way back a user's change offers.
                if !after.email.same_account_as(&before.email) {
                    let undo = self
                        .links
                        .email_change_undo(after.id, after.email.as_str(), before.email.as_str())
                        .map_err(|error| RepoError::Announce(error.to_string()))?;
                    events.push(origin.email_changed(before, after, undo));
                }
                Ok(events)
            })
            .await
            .map_err(ApiError::from_repo(id))?;
        // After the commit: invalidating earlier would let a concurrent read
        // cache the old row again. The cached copy also carries the auth version
        // that tokens are checked against, so this is what retires them here.
        self.cache.invalidate(id).await;
        self.reads.wrote(caller.id).await;
        Ok(user)
    }

    /// Deletes user `id` on behalf of `caller`.
    pub async fn delete_user(
        &self,
        origin: EventOrigin,
        caller: &AuthenticatedUser,
        id: Uuid,
    ) -> Result<(), ApiError> {
        // Closing one's own account needs no permission; anyone else's does.
        caller.require_self_or(id, Permission::DeleteAnyUser)?;
        self.users
            .delete(id, &origin.by(caller.id).deleted(id))
            .await
            .map_err(ApiError::from_repo(id))?;
        self.cache.invalidate(id).await;
        self.reads.wrote(caller.id).await;
        Ok(())
    }

    // ANCHOR: list_users
    /// One page of users, newest first, if `caller` may list them.
    pub async fn list_users(
        &self,
        caller: &AuthenticatedUser,
        listing: &UserListing,
    ) -> Result<UsersPage, ApiError> {
        if !caller.has(Permission::ListUsers) {
            return Err(ApiError::Forbidden);
        }
        let page_size = listing.page_size as usize;
        // A listing may be a moment stale (a replica), never older than
        // the caller's own last write (read_replicas).
        let pool = self.reads.pool_for(caller.id).await;
        let mut users = self.users.reading_from(pool).list(listing).await?;
        // The repository fetched one extra row: its presence means "there is more".
        let next_cursor = if users.len() > page_size {
            users.truncate(page_size);
            users.last().map(|last| {
                PageCursor {
                    created_at: last.created_at,
                    id: last.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(UsersPage { users, next_cursor })
    }
    // ANCHOR_END: list_users
}
