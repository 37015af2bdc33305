//! Passwords: change one (signed in), ask for a reset link, reset with it;
//! and the one sequence every new password goes through.

use std::{future::Future, time::Instant};

use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{Accounts, TokenPair, emailed_links::dead_link_or};
use crate::{
    auth::{LinkPurpose, Reauthentication, link_tokens::password_fingerprint},
    domain::{Password, User},
    error::ApiError,
    events::EventOrigin,
};

impl Accounts {
    // ANCHOR: replace_password
    /// A new password for `user_id`, the same way wherever it comes from (a
    /// change, a reset link, the undo of an email change): hash it, let
    /// `write` store it (the write bumps the auth version and commits its
    /// event), drop the cached account, end every session.
    pub(crate) async fn replace_password<Write, Written>(
        &self,
        user_id: Uuid,
        new_password: &Password,
        write: Write,
    ) -> Result<User, ApiError>
    where
        Write: FnOnce(String) -> Written,
        Written: Future<Output = Result<User, ApiError>>,
    {
        // Hash before the transaction: argon2 takes tens of milliseconds,
        // and the row lock should not be held that long.
        let hash = self
            .passwords
            .hash(new_password)
            .await
            .map_err(ApiError::internal)?;
        // Every access token issued before, this request's included, stops
        // working: the write moved the auth version.
        let user = write(hash).await?;
        // After the commit, like every invalidation: the cached copy carries
        // the old auth version, and another instance must not keep accepting it.
        self.cache.invalidate(user_id).await;
        // Whoever else holds a session (perhaps whoever knew the old password) is out.
        self.sessions.revoke_all_for_user(user_id).await?;
        self.reads.wrote(user_id).await;
        Ok(user)
    }
    // ANCHOR_END: replace_password

    // ANCHOR: change_password
    /// The caller's new password, once the current one proves it is them.
    /// Every other session ends; the answer is a fresh pair for this one.
    pub async fn change_password(
        &self,
        caller: Uuid,
        reauthentication: &Reauthentication,
        current_password: &SecretString,
        new_password: &SecretString,
    ) -> Result<TokenPair, ApiError> {
        let user = reauthentication
            .current_user(caller, current_password, "current_password")
            .await?;
        let new_password = Password::parse(new_password.expose_secret(), user.email.as_str())
            .map_err(|e| ApiError::invalid_field("new_password", &e))?;
        let user = self
            .replace_password(caller, &new_password, |hash| async move {
                self.users
                    .set_password_hash(caller, &hash)
                    .await
                    .map_err(ApiError::from_repo(caller))
            })
            .await?;
        self.start_session(&user).await
    }
    // ANCHOR_END: change_password

    // ANCHOR: forgot_password
    /// A reset link for the account at `email`, if there is one. The same
    /// answer, at the same moment, either way.
    pub async fn forgot_password(&self, origin: &EventOrigin, email: &str) -> Result<(), ApiError> {
        let started = Instant::now();
        // The answer must not tell anyone which addresses are registered,
        // and neither may its timing.
        if let Some((user, hash)) = self.users.find_with_password_hash(email).await? {
            let reset = self
                .links
                .password_reset(user.id, hash.as_deref())
                .map_err(ApiError::internal)?;
            self.users
                .announce(&origin.reset_requested(&user, reset))
                .await?;
        }
        // Sealing and storing the link is a few ms an unknown address skips:
        // both answer at the floor, not when their work is done.
        self.uniform_response.wait_from(started).await;
        Ok(())
    }
    // ANCHOR_END: forgot_password

    // ANCHOR: reset_password
    /// A new password with the token from the reset email. Every session ends.
    pub async fn reset_password(
        &self,
        origin: &EventOrigin,
        token: &SecretString,
        new_password: &SecretString,
    ) -> Result<(), ApiError> {
        let link = self.open_link(LinkPurpose::ResetPassword, token)?;
        let user = self.users.find(link.user_id).await.map_err(dead_link_or)?;
        let new_password = Password::parse(new_password.expose_secret(), user.email.as_str())
            .map_err(|e| ApiError::invalid_field("new_password", &e))?;
        self.replace_password(link.user_id, &new_password, |hash| async move {
            // Only against the password the link was issued for: a used
            // link no longer fingerprints, so it works once.
            self.users
                .reset_password_hash(
                    link.user_id,
                    &link.bound_to,
                    &hash,
                    password_fingerprint,
                    |stored| origin.updated(stored, stored, &["password"]),
                )
                .await
                .map_err(dead_link_or)
        })
        .await?;
        Ok(())
    }
    // ANCHOR_END: reset_password
}
