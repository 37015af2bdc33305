//! What each email says, as plain text and as HTML.
//!
//! Plain `format!` and constants, no template engine: a handful of short
//! emails do not earn a dependency, and the compiler checks every
//! placeholder. Each event fills in a [`Letter`]; [`layout`] turns any letter
//! into both parts. The links' tokens arrive sealed (see
//! `capstone_platform::sealing`): [`LinkWriter`] opens each one here, at the
//! last moment, and only into the email itself.

mod layout;
#[cfg(test)]
pub(super) mod tests;

use capstone_contracts::events::{Event, LinkKind, SealedLinkToken};
use capstone_platform::sealing::Sealer;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::mailer::EmailError;
use layout::{html_layout, single_line, text_layout};

/// An email ready to be wrapped in MIME: recipient, subject and both bodies.
#[derive(Debug)]
pub(super) struct RenderedEmail {
    pub(super) to_address: String,
    pub(super) to_name: String,
    pub(super) subject: String,
    pub(super) text: String,
    pub(super) html: String,
}

/// The parts of an email that differ between events.
struct Letter {
    subject: String,
    /// Display name, control characters removed; escaped later for HTML.
    name: String,
    /// One paragraph of plain text before the link.
    intro: String,
    /// The HTML link's label.
    action: &'static str,
    link: String,
    /// When the link stops working, for links that do.
    expires_at: Option<DateTime<Utc>>,
    /// One paragraph after the expiry, if any.
    closing: Option<String>,
}

/// Where links point (`worker.email.link_base_url`) and the keys that open
/// their sealed tokens.
#[derive(Debug, Clone, Copy)]
pub(super) struct LinkWriter<'a> {
    pub(super) base: &'a str,
    pub(super) sealer: &'a Sealer,
}

impl LinkWriter<'_> {
    // ANCHOR: open_link
    /// `{base}/{path}?token={token}`, the token opened from `sealed`, which
    /// must have been sealed for `kind` and `user_id`. A token that does not
    /// open (a key this worker lacks, tampering) is a permanent failure: the
    /// message is dead-lettered, and can be replayed once the keys are right.
    fn with_token(
        &self,
        path: &str,
        kind: LinkKind,
        user_id: Uuid,
        sealed: &SealedLinkToken,
    ) -> Result<String, EmailError> {
        let token = self
            .sealer
            .open(&sealed.sealed, &kind.sealing_context(user_id))
            .map_err(|error| EmailError::Permanent(format!("link token: {error}")))?;
        // Form-encoded although JWTs need none: a link must survive whatever
        // a token ever contains.
        let token: String =
            url::form_urlencoded::byte_serialize(token.expose_secret().as_bytes()).collect();
        Ok(format!("{}?token={token}", self.plain(path)))
    }
    // ANCHOR_END: open_link

    /// `{base}/{path}`: a link that carries nothing secret.
    fn plain(&self, path: &str) -> String {
        format!("{}/{path}", self.base.trim_end_matches('/'))
    }
}

const WELCOME_INTRO: &str =
    "Thanks for signing up. Please confirm your email address by opening this link:";
const VERIFY_INTRO: &str = "Please confirm your email address by opening this link:";
const VERIFY_CLOSING: &str = "If you did not ask for this email, you can ignore it.";
const RESET_INTRO: &str =
    "Someone asked to reset the password of your Capstone account. Choose a new one here:";
const RESET_CLOSING: &str =
    "If you did not ask to reset your password, ignore this email: your password stays as it is.";
const ATTEMPT_INTRO: &str = "Someone tried to create a Capstone account with this address, \
     which already has one. If it was you, log in; if you forgot your password, reset it here:";
const ATTEMPT_CLOSING: &str =
    "If it was not you, you can ignore this email: nothing changed on your account.";
const CONFIRM_CHANGE_INTRO: &str = "You asked to move your Capstone account to this address. \
     Confirm it by opening this link:";
const CONFIRM_CHANGE_CLOSING: &str =
    "If you did not ask for this, ignore this email: the account keeps its current address.";
const UNDO_CLOSING: &str = "If you made this change, there is nothing to do.";

// ANCHOR: render
/// The email `event` causes, or `None` for events that send none.
pub(super) fn render(
    event: &Event,
    links: LinkWriter<'_>,
) -> Result<Option<RenderedEmail>, EmailError> {
    let (to, display_name, letter) = match event {
        Event::UserRegistered(e) => (
            &e.email,
            &e.display_name,
            Letter {
                subject: format!("Welcome to Capstone, {}", single_line(&e.display_name)),
                name: single_line(&e.display_name),
                intro: WELCOME_INTRO.into(),
                action: "Confirm your email address",
                link: links.with_token(
                    "verify-email",
                    LinkKind::VerifyEmail,
                    e.user_id,
                    &e.verification,
                )?,
                expires_at: Some(e.verification.expires_at),
                closing: None,
            },
        ),
        Event::UserEmailVerificationRequested(e) => (
            &e.email,
            &e.display_name,
            Letter {
                subject: "Confirm your email address".into(),
                name: single_line(&e.display_name),
                intro: VERIFY_INTRO.into(),
                action: "Confirm your email address",
                link: links.with_token(
                    "verify-email",
                    LinkKind::VerifyEmail,
                    e.user_id,
                    &e.verification,
                )?,
                expires_at: Some(e.verification.expires_at),
                closing: Some(VERIFY_CLOSING.into()),
            },
        ),
        Event::PasswordResetRequested(e) => (
            &e.email,
            &e.display_name,
            Letter {
                subject: "Reset your password".into(),
                name: single_line(&e.display_name),
                intro: RESET_INTRO.into(),
                action: "Reset your password",
                link: links.with_token(
                    "reset-password",
                    LinkKind::ResetPassword,
                    e.user_id,
                    &e.reset,
                )?,
                expires_at: Some(e.reset.expires_at),
                closing: Some(RESET_CLOSING.into()),
            },
        ),
        Event::UserRegistrationAttempted(e) => (
            &e.email,
            &e.display_name,
            Letter {
                subject: "Someone tried to sign up with your address".into(),
                name: single_line(&e.display_name),
                intro: ATTEMPT_INTRO.into(),
                action: "Reset your password",
                link: links.plain("forgot-password"),
                expires_at: None,
                closing: Some(ATTEMPT_CLOSING.into()),
            },
        ),
        Event::UserEmailChangeRequested(e) => (
            &e.new_email,
            &e.display_name,
            Letter {
                subject: "Confirm your new email address".into(),
                name: single_line(&e.display_name),
                intro: CONFIRM_CHANGE_INTRO.into(),
                action: "Confirm your new address",
                link: links.with_token(
                    "confirm-email-change",
                    LinkKind::ConfirmEmailChange,
                    e.user_id,
                    &e.confirmation,
                )?,
                expires_at: Some(e.confirmation.expires_at),
                closing: Some(CONFIRM_CHANGE_CLOSING.into()),
            },
        ),
        Event::UserEmailChanged(e) => (
            &e.old_email,
            &e.display_name,
            Letter {
                subject: "Your email address was changed".into(),
                name: single_line(&e.display_name),
                intro: format!(
                    "{} changed the address of your Capstone account to {}. If you did not \
                 want this, undo it here; you will choose a new password on the way:",
                    if e.by_admin {
                        "An administrator"
                    } else {
                        "Someone signed in as you"
                    },
                    single_line(&e.new_email),
                ),
                action: "Undo the change",
                link: links.with_token(
                    "undo-email-change",
                    LinkKind::UndoEmailChange,
                    e.user_id,
                    &e.undo,
                )?,
                expires_at: Some(e.undo.expires_at),
                closing: Some(UNDO_CLOSING.into()),
            },
        ),
        // Nothing to tell the user: these feed the audit trail only.
        Event::UserUpdated(_) | Event::UserDeleted(_) => return Ok(None),
    };
    Ok(Some(RenderedEmail {
        to_address: to.clone(),
        to_name: single_line(display_name),
        text: text_layout(&letter),
        html: html_layout(&letter),
        subject: letter.subject,
    }))
}
// ANCHOR_END: render
