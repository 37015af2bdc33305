//! New accounts: self-registration (with a password) and an admin's.

use std::time::Instant;

use super::Accounts;
use crate::{
    domain::{DisplayName, Email, NewUser, Password, Role, User},
    error::ApiError,
    events::EventOrigin,
    repo::RepoError,
};

impl Accounts {
    // ANCHOR: register
    /// An account that can log in with `password`. The answer is the same
    /// whether or not the address already has an account; its owner is told
    /// by email instead.
    pub async fn register(
        &self,
        origin: &EventOrigin,
        email: Email,
        display_name: DisplayName,
        password: &Password,
    ) -> Result<(), ApiError> {
        let started = Instant::now();
        // The same work on both paths, taken address or not: one argon2 hash
        // (the bulk of the time), then one transaction that writes an event.
        let hash = self
            .passwords
            .hash(password)
            .await
            .map_err(ApiError::internal)?;
        // Self-registration always makes a plain user; admins are made by admins.
        let new_user = NewUser::new(email, display_name, Role::User);
        let verification = self
            .links
            .email_verification(new_user.id, new_user.email.as_str())
            .map_err(ApiError::internal)?;
        // The user and the `user.registered` event (which carries the sealed
        // verification link) commit together: see repo::outbox.
        let inserted = self
            .users
            .insert(&new_user, Some(&hash), |user| {
                origin.registered(user, verification)
            })
            .await;
        match inserted {
            Ok(_) => {}
            Err(RepoError::EmailTaken) => {
                // Not the caller's business: the owner hears of it by email.
                if let Some((owner, _)) = self
                    .users
                    .find_with_password_hash(new_user.email.as_str())
                    .await?
                {
                    self.users
                        .announce(&origin.registration_attempted(&owner))
                        .await?;
                }
            }
            Err(other) => return Err(other.into()),
        }
        // A taken address costs one more query than a new one: both answer
        // at the floor (see `uniform_response_ms`).
        self.uniform_response.wait_from(started).await;
        Ok(())
    }
    // ANCHOR_END: register

    // ANCHOR: create_account
    /// An account made by an admin (`admin`), without a password: its owner
    /// sets one through "forgot password" after verifying the address.
    pub async fn create_user(
        &self,
        origin: EventOrigin,
        admin: uuid::Uuid,
        new_user: NewUser,
    ) -> Result<User, ApiError> {
        let verification = self
            .links
            .email_verification(new_user.id, new_user.email.as_str())
            .map_err(ApiError::internal)?;
        let origin = origin.by(admin);
        let user = self
            .users
            .insert(&new_user, None, |user| {
                origin.registered(user, verification)
            })
            .await?;
        // The admin's next listing shows the new account.
        self.reads.wrote(admin).await;
        Ok(user)
    }
    // ANCHOR_END: create_account
}
