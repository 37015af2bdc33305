//! The payload of each event type, version 1.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Role;

// ANCHOR: event
/// Every event the system knows, one variant per `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    UserRegistered(UserRegistered),
    UserRegistrationAttempted(UserRegistrationAttempted),
    UserEmailVerificationRequested(UserEmailVerificationRequested),
    PasswordResetRequested(PasswordResetRequested),
    UserEmailChangeRequested(UserEmailChangeRequested),
    UserEmailChanged(UserEmailChanged),
    UserUpdated(UserUpdated),
    UserDeleted(UserDeleted),
}
// ANCHOR_END: event

impl Event {
    /// The `type` on the wire, and the AMQP routing key.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::UserRegistered(_) => "user.registered",
            Self::UserRegistrationAttempted(_) => "user.registration_attempted",
            Self::UserEmailVerificationRequested(_) => "user.email_verification_requested",
            Self::PasswordResetRequested(_) => "user.password_reset_requested",
            Self::UserEmailChangeRequested(_) => "user.email_change_requested",
            Self::UserEmailChanged(_) => "user.email_changed",
            Self::UserUpdated(_) => "user.updated",
            Self::UserDeleted(_) => "user.deleted",
        }
    }

    /// The payload version this code writes (and the only one it reads).
    pub fn version(&self) -> u16 {
        Self::version_of(self.event_type()).unwrap_or(1)
    }

    /// The version this code reads for `event_type`, if it knows the type.
    /// The events with links are at version 2: their tokens travel sealed
    /// ([`SealedLinkToken`]), where version 1 carried them in plain text.
    pub fn version_of(event_type: &str) -> Option<u16> {
        match event_type {
            "user.registered"
            | "user.email_verification_requested"
            | "user.password_reset_requested" => Some(2),
            known if Self::TYPES.contains(&known) => Some(1),
            _ => None,
        }
    }

    /// The user the event is about.
    pub fn user_id(&self) -> Uuid {
        match self {
            Self::UserRegistered(event) => event.user_id,
            Self::UserRegistrationAttempted(event) => event.user_id,
            Self::UserEmailVerificationRequested(event) => event.user_id,
            Self::PasswordResetRequested(event) => event.user_id,
            Self::UserEmailChangeRequested(event) => event.user_id,
            Self::UserEmailChanged(event) => event.user_id,
            Self::UserUpdated(event) => event.user_id,
            Self::UserDeleted(event) => event.user_id,
        }
    }

    /// Every type this code understands, for docs and bindings.
    pub const TYPES: [&'static str; 8] = [
        "user.registered",
        "user.registration_attempted",
        "user.email_verification_requested",
        "user.password_reset_requested",
        "user.email_change_requested",
        "user.email_changed",
        "user.updated",
        "user.deleted",
    ];
}

/// What a link in an email is for. Also the context a link token is sealed
/// for: a sealed token opens only for its kind and its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    VerifyEmail,
    ResetPassword,
    ConfirmEmailChange,
    UndoEmailChange,
}

impl LinkKind {
    /// The sealing context (associated data) of a `self` link for `user_id`.
    pub fn sealing_context(self, user_id: Uuid) -> String {
        let kind = match self {
            Self::VerifyEmail => "verify-email",
            Self::ResetPassword => "reset-password",
            Self::ConfirmEmailChange => "confirm-email-change",
            Self::UndoEmailChange => "undo-email-change",
        };
        format!("capstone:link:{kind}:{user_id}")
    }
}

/// A token for a link in an email, sealed for the worker
/// (`capstone_platform::sealing`): the users service seals it, the worker
/// opens it to write the link, and every place between (the outbox, the
/// broker, dead-letter queues) holds only ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedLinkToken {
    /// `v1.<key id>.<nonce, ciphertext and tag, base64url>`.
    pub sealed: String,
    pub expires_at: DateTime<Utc>,
}

/// `user.registered` (version 2): an account was created. Carries the
/// sealed verification token, so the welcome email can ask the user to
/// confirm their address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRegistered {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub verification: SealedLinkToken,
}

/// `user.registration_attempted`: someone tried to register an address that
/// already has an account. The API answers exactly as for a new address (it
/// must not tell who is registered); the owner learns of it by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRegistrationAttempted {
    /// The existing account.
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
}

/// `user.email_verification_requested` (version 2): send (again) a
/// verification link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEmailVerificationRequested {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub verification: SealedLinkToken,
}

/// `user.password_reset_requested` (version 2): send a password-reset link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequested {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub reset: SealedLinkToken,
}

/// `user.email_change_requested`: the user asked (with their password) to
/// move the account to `new_email`; a link sent there confirms it. Nothing
/// changes until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEmailChangeRequested {
    pub user_id: Uuid,
    pub new_email: String,
    pub display_name: String,
    pub confirmation: SealedLinkToken,
}

/// `user.email_changed`: the account's address is now `new_email`. The old
/// address is told, with a link that undoes the change (and sets a new
/// password: whoever made the change knew the old one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEmailChanged {
    pub user_id: Uuid,
    pub old_email: String,
    pub new_email: String,
    pub display_name: String,
    /// An admin made the change (the envelope's `actor` says which), not
    /// the user through a confirmation link.
    pub by_admin: bool,
    pub undo: SealedLinkToken,
}

/// `user.updated`: the user's fields after the change, and which changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdated {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified: bool,
    /// Names of the fields that changed, e.g. `["display_name"]`.
    pub changed: Vec<String>,
}

/// `user.deleted`: the account is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDeleted {
    pub user_id: Uuid,
}
