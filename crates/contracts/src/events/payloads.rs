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
    UserEmailVerificationRequested(UserEmailVerificationRequested),
    PasswordResetRequested(PasswordResetRequested),
    UserUpdated(UserUpdated),
    UserDeleted(UserDeleted),
}
// ANCHOR_END: event

impl Event {
    /// The `type` on the wire, and the AMQP routing key.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::UserRegistered(_) => "user.registered",
            Self::UserEmailVerificationRequested(_) => "user.email_verification_requested",
            Self::PasswordResetRequested(_) => "user.password_reset_requested",
            Self::UserUpdated(_) => "user.updated",
            Self::UserDeleted(_) => "user.deleted",
        }
    }

    /// The payload version this code writes (and the only one it reads).
    pub fn version(&self) -> u16 {
        1
    }

    /// The user the event is about.
    pub fn user_id(&self) -> Uuid {
        match self {
            Self::UserRegistered(event) => event.user_id,
            Self::UserEmailVerificationRequested(event) => event.user_id,
            Self::PasswordResetRequested(event) => event.user_id,
            Self::UserUpdated(event) => event.user_id,
            Self::UserDeleted(event) => event.user_id,
        }
    }

    /// Every type this code understands, for docs and bindings.
    pub const TYPES: [&'static str; 5] = [
        "user.registered",
        "user.email_verification_requested",
        "user.password_reset_requested",
        "user.updated",
        "user.deleted",
    ];
}

/// A signed, single-purpose, short-lived token for a link in an email.
/// `Debug` never shows the token: these are as good as a password until
/// they expire.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `user.registered`: an account was created. Carries the verification link
/// token so the welcome email can ask the user to confirm their address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRegistered {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub verification: LinkToken,
}

/// `user.email_verification_requested`: send (again) a verification link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEmailVerificationRequested {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub verification: LinkToken,
}

/// `user.password_reset_requested`: send a password-reset link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequested {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub reset: LinkToken,
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
