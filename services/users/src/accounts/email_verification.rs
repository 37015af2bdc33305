//! Verifying an address: with the emailed link, or asking for another one.

use secrecy::SecretString;
use uuid::Uuid;

use super::{Accounts, emailed_links::dead_link_or};
use crate::{auth::LinkPurpose, domain::User, error::ApiError, events::EventOrigin};

impl Accounts {
    // ANCHOR: verify_email
    /// Confirms an address with the token from the verification email
    /// (verifying again is fine).
    pub async fn verify_email(
        &self,
        origin: &EventOrigin,
        token: &SecretString,
    ) -> Result<(), ApiError> {
        let link = self.open_link(LinkPurpose::VerifyEmail, token)?;
        self.users
            .mark_email_verified(link.user_id, &link.bound_to, |user| {
                origin.updated(&unverified(user), user, &[])
            })
            .await
            .map_err(dead_link_or)?;
        self.cache.invalidate(link.user_id).await;
        Ok(())
    }
    // ANCHOR_END: verify_email

    // ANCHOR: verification_email
    /// Another verification email for the caller (the first one expired, or
    /// was lost).
    pub async fn request_verification_email(
        &self,
        origin: &EventOrigin,
        caller: Uuid,
    ) -> Result<(), ApiError> {
        // Read from Postgres, not the cache: a user who has just verified in
        // another tab must get 409, not a second email.
        let user = self
            .users
            .find(caller)
            .await
            .map_err(ApiError::from_repo(caller))?;
        if user.email_verified_at.is_some() {
            return Err(ApiError::AlreadyVerified);
        }
        // Committed in the outbox: the email follows through the worker.
        let verification = self
            .links
            .email_verification(user.id, user.email.as_str())
            .map_err(ApiError::internal)?;
        self.users
            .announce(&origin.verification_requested(&user, verification))
            .await?;
        Ok(())
    }
    // ANCHOR_END: verification_email
}

/// The user as they were before verification (for the `changed` list).
fn unverified(user: &User) -> User {
    User {
        email_verified_at: None,
        ..user.clone()
    }
}
