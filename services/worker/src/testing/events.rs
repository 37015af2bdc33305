//! Sample events, as the users service would announce them.

use capstone_contracts::{
    Role,
    events::{
        Envelope, Event, LinkKind, PasswordResetRequested, SealedLinkToken, UserDeleted,
        UserRegistered, UserUpdated,
    },
};
use capstone_platform::{
    sealing::{Sealer, SealingSettings},
    settings::Environment,
};
use chrono::{TimeDelta, Utc};
use uuid::Uuid;

/// The link token every sample carries, sealed: tests assert it never
/// leaks (into the audit trail, the broker) and always arrives (in the email).
pub const LINK_TOKEN: &str = "sample-link-token-0123456789abcdef";

/// [`LINK_TOKEN`] sealed for `kind` and `user_id` with the development key,
/// which test workers (environment "development", no keys) open with.
pub fn sealed_link(kind: LinkKind, user_id: Uuid) -> SealedLinkToken {
    let sealer = Sealer::from_settings(&SealingSettings::default(), Environment::Development)
        .expect("the development key");
    SealedLinkToken {
        sealed: sealer
            .seal(LINK_TOKEN, &kind.sealing_context(user_id))
            .expect("sealed"),
        expires_at: Utc::now() + TimeDelta::hours(1),
    }
}

/// `user.registered` for a new user at `email`, with a correlation id.
pub fn registered(email: &str) -> Envelope {
    let user_id = Uuid::now_v7();
    Envelope::new(Event::UserRegistered(UserRegistered {
        user_id,
        email: email.to_owned(),
        display_name: "Ada".to_owned(),
        role: Role::User,
        verification: sealed_link(LinkKind::VerifyEmail, user_id),
    }))
    .with_correlation_id(Some(format!("test-{}", Uuid::now_v7().simple())))
}

/// `user.password_reset_requested` for `email`.
pub fn password_reset_requested(email: &str) -> Envelope {
    let user_id = Uuid::now_v7();
    Envelope::new(Event::PasswordResetRequested(PasswordResetRequested {
        user_id,
        email: email.to_owned(),
        display_name: "Ada".to_owned(),
        reset: sealed_link(LinkKind::ResetPassword, user_id),
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
