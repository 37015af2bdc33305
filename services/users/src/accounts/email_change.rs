//! Changing one's own address: the request (with the password), the
//! confirmation from the new mailbox, the undo from the old one.
//!
//! ```text
//! request_email_change ──► user.email_change_requested ──► link to the NEW address
//! confirm_email_change ──► address moved, verified ──► user.email_changed ──► notice + undo link to the OLD address
//! undo_email_change ──► address back, new password, every session and token ends
//! ```
//!
//! The undo sets a new password on the way because whoever made the change
//! knew the old one; without that, they could simply start again.

use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{Accounts, emailed_links::dead_link_or};
use crate::{
    auth::{LinkPurpose, Reauthentication},
    domain::{Email, InvalidValue, Password},
    error::ApiError,
    events::EventOrigin,
};

impl Accounts {
    // ANCHOR: request_email_change
    /// A confirmation link to `new_email`, once the current password proves
    /// it is the caller. Nothing changes until the link is opened.
    pub async fn request_email_change(
        &self,
        origin: EventOrigin,
        caller: Uuid,
        reauthentication: &Reauthentication,
        current_password: &SecretString,
        new_email: &str,
    ) -> Result<(), ApiError> {
        let user = reauthentication
            .current_user(caller, current_password, "current_password")
            .await?;
        let new_email =
            Email::parse(new_email).map_err(|e| ApiError::invalid_field("new_email", &e))?;
        if new_email.same_account_as(&user.email) {
            return Err(ApiError::invalid_field(
                "new_email",
                &InvalidValue::new("unchanged", "is already this account's address"),
            ));
        }
        // Whether another account has that address is not said here (it would
        // tell who is registered): confirming it answers 409, to whoever owns
        // the new mailbox.
        let confirmation = self
            .links
            .email_change_confirmation(user.id, user.email.as_str(), new_email.as_str())
            .map_err(ApiError::internal)?;
        let event = origin
            .by(caller)
            .email_change_requested(&user, &new_email, confirmation);
        self.users.announce(&event).await?;
        Ok(())
    }
    // ANCHOR_END: request_email_change

    // ANCHOR: confirm_email_change
    /// Moves the account to the new address, with the token from the link
    /// sent there. The old address is told, with a way to undo it.
    pub async fn confirm_email_change(
        &self,
        origin: &EventOrigin,
        token: &SecretString,
    ) -> Result<(), ApiError> {
        let link = self.open_link(LinkPurpose::ConfirmEmailChange, token)?;
        let from = link.from.as_deref().ok_or(ApiError::InvalidLink)?;
        let to = Email::parse(&link.bound_to).map_err(|_| ApiError::InvalidLink)?;
        // Sealed before the transaction (sealing can fail; the row lock should
        // not wait on it): the undo link binds the two addresses, both known.
        let undo = self
            .links
            .email_change_undo(link.user_id, to.as_str(), from)
            .map_err(ApiError::internal)?;
        self.users
            .confirm_email_change(link.user_id, from, &to, |before, after| {
                vec![
                    origin.updated(before, after, &[]),
                    origin.email_changed(before, after, undo),
                ]
            })
            .await
            .map_err(dead_link_or)?;
        self.cache.invalidate(link.user_id).await;
        Ok(())
    }
    // ANCHOR_END: confirm_email_change

    /// Undoes a change of address with the token sent to the old one, with
    /// a new password. Every session and access token of the account ends.
    pub async fn undo_email_change(
        &self,
        origin: &EventOrigin,
        token: &SecretString,
        new_password: &SecretString,
    ) -> Result<(), ApiError> {
        let link = self.open_link(LinkPurpose::UndoEmailChange, token)?;
        let current = link.from.as_deref().ok_or(ApiError::InvalidLink)?;
        let previous = Email::parse(&link.bound_to).map_err(|_| ApiError::InvalidLink)?;
        let new_password = Password::parse(new_password.expose_secret(), previous.as_str())
            .map_err(|e| ApiError::invalid_field("new_password", &e))?;
        let previous = &previous;
        self.replace_password(link.user_id, &new_password, |hash| async move {
            self.users
                .undo_email_change(link.user_id, current, previous, &hash, |before, after| {
                    vec![origin.updated(before, after, &["password"])]
                })
                .await
                .map_err(dead_link_or)
        })
        .await?;
        Ok(())
    }
}
