//! Sample events, as the users service would announce them.

use capstone_contracts::{
    Role,
    events::{
        Envelope, Event, LinkToken, PasswordResetRequested, UserDeleted, UserRegistered,
        UserUpdated,
    },
};
use chrono::{TimeDelta, Utc};
use uuid::Uuid;

/// The link token every sample carries: tests assert it never leaks
/// (into the audit trail) and always arrives (in the email).
pub const LINK_TOKEN: &str = "sample-link-token-0123456789abcdef";

fn link_token() -> LinkToken {
    LinkToken {
        token: LINK_TOKEN.to_owned(),
        expires_at: Utc::now() + TimeDelta::hours(1),
    }
}

/// `user.registered` for a new user at `email`, with a correlation id.
pub fn registered(email: &str) -> Envelope {
    Envelope::new(Event::UserRegistered(UserRegistered {
        user_id: Uuid::now_v7(),
        email: email.to_owned(),
        display_name: "Ada".to_owned(),
        role: Role::User,
        verification: link_token(),
    }))
    .with_correlation_id(Some(format!("test-{}", Uuid::now_v7().simple())))
}

/// `user.password_reset_requested` for `email`.
pub fn password_reset_requested(email: &str) -> Envelope {
    Envelope::new(Event::PasswordResetRequested(PasswordResetRequested {
        user_id: Uuid::now_v7(),
        email: email.to_owned(),
        display_name: "Ada".to_owned(),
        reset: link_token(),
    }))
}

/// `user.updated`: audited, sends no email.
pub fn updated(user_id: Uuid) -> Envelope {
    Envelope::new(Event::UserUpdated(UserUpdated {
        user_id,
        email: "ada@example.com".to_owned(),
        display_name: "Ada L.".to_owned(),
        role: Role::User,
        email_verified: true,
        changed: vec!["display_name".to_owned()],
    }))
}

/// `user.deleted`.
pub fn deleted(user_id: Uuid) -> Envelope {
    Envelope::new(Event::UserDeleted(UserDeleted { user_id }))
}
