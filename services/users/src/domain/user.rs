//! A user account and the rules for changing one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{DisplayName, Email, Role};

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// UUIDv7: time-ordered, so new rows land at the right edge of the index.
    pub id: Uuid,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    /// When the user proved they own `email`; reset when `email` changes.
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped whenever what an access token asserts may no longer hold;
    /// tokens carrying an older one are refused (see `auth::extractors`).
    pub auth_version: i32,
    /// When an admin suspended the account; `None` while it is active.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// An account about to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub id: Uuid,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
}

impl NewUser {
    pub fn new(email: Email, display_name: DisplayName, role: Role) -> Self {
        Self {
            id: Uuid::now_v7(),
            email,
            display_name,
            role,
        }
    }
}

/// A partial update: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub email: Option<Email>,
    pub display_name: Option<DisplayName>,
    pub role: Option<Role>,
    /// `Some(true)` suspends the account, `Some(false)` reactivates it.
    pub disabled: Option<bool>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.display_name.is_none()
            && self.role.is_none()
            && self.disabled.is_none()
    }

    /// Whether applying these could leave one admin fewer (a role change or
    /// a suspension): such writes must hold the last-admin lock.
    pub fn may_remove_an_admin(&self) -> bool {
        self.role.is_some() || self.disabled == Some(true)
    }
}

// ANCHOR: apply_changes
impl User {
    /// This user with `changes` applied at `now`. A new email address is
    /// unverified: verifying `old@` proves nothing about `new@`. Only a
    /// different account address counts as new; fixing the case of the same
    /// one does not. A change of role or of the disabled state bumps the auth
    /// version, which retires every access token issued before it.
    pub fn with_changes(&self, changes: &UserChanges, now: DateTime<Utc>) -> User {
        let mut updated = self.clone();
        if let Some(email) = &changes.email {
            if !email.same_account_as(&self.email) {
                updated.email_verified_at = None;
            }
            updated.email = email.clone();
        }
        if let Some(display_name) = &changes.display_name {
            updated.display_name = display_name.clone();
        }
        if let Some(role) = changes.role {
            updated.role = role;
        }
        match changes.disabled {
            Some(true) if self.disabled_at.is_none() => updated.disabled_at = Some(now),
            Some(false) => updated.disabled_at = None,
            _ => {}
        }
        if updated.role != self.role || updated.disabled_at.is_some() != self.is_disabled() {
            updated.auth_version = self.auth_version.saturating_add(1);
        }
        updated
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }

    /// An admin who can act as one: the last-admin rule counts these.
    pub fn is_active_admin(&self) -> bool {
        self.role == Role::Admin && !self.is_disabled()
    }
}
// ANCHOR_END: apply_changes

#[cfg(test)]
mod tests {
    use super::*;

    fn verified_user() -> User {
        let now = Utc::now();
        User {
            id: Uuid::now_v7(),
            email: Email::parse("ada@example.com").expect("valid"),
            display_name: DisplayName::parse("Ada").expect("valid"),
            role: Role::User,
            email_verified_at: Some(now),
            created_at: now,
            updated_at: now,
            auth_version: 0,
            disabled_at: None,
        }
    }

    #[test]
    fn a_new_email_address_is_unverified() {
        let user = verified_user();
        let changes = UserChanges {
            email: Some(Email::parse("grace@example.com").expect("valid")),
            ..UserChanges::default()
        };
        let updated = user.with_changes(&changes, Utc::now());
        assert_eq!(updated.email.as_str(), "grace@example.com");
        assert_eq!(updated.email_verified_at, None);
    }

    #[test]
    fn changing_only_the_case_keeps_verification() {
        let user = verified_user();
        let changes = UserChanges {
            email: Some(Email::parse("Ada@Example.com").expect("valid")),
            ..UserChanges::default()
        };
        let updated = user.with_changes(&changes, Utc::now());
        assert_eq!(updated.email.as_str(), "Ada@example.com");
        assert_eq!(updated.email_verified_at, user.email_verified_at);
    }

    #[test]
    fn absent_fields_are_left_alone() {
        let user = verified_user();
        let changes = UserChanges {
            role: Some(Role::Admin),
            ..UserChanges::default()
        };
        let updated = user.with_changes(&changes, Utc::now());
        assert_eq!(updated.role, Role::Admin);
        assert_eq!(updated.display_name, user.display_name);
        assert_eq!(updated.email, user.email);
    }

    #[test]
    fn a_role_change_or_suspension_retires_older_tokens_and_a_name_change_does_not() {
        let user = verified_user();
        let now = Utc::now();
        let renamed = user.with_changes(
            &UserChanges {
                display_name: Some(DisplayName::parse("Ada K").expect("valid")),
                ..UserChanges::default()
            },
            now,
        );
        assert_eq!(renamed.auth_version, user.auth_version);
        let promoted = user.with_changes(
            &UserChanges {
                role: Some(Role::Admin),
                ..UserChanges::default()
            },
            now,
        );
        assert_eq!(promoted.auth_version, user.auth_version + 1);
        let disable = UserChanges {
            disabled: Some(true),
            ..UserChanges::default()
        };
        let disabled = user.with_changes(&disable, now);
        assert_eq!(disabled.disabled_at, Some(now));
        assert_eq!(disabled.auth_version, user.auth_version + 1);
        let again = disabled.with_changes(&disable, now);
        assert_eq!(again, disabled, "disabling twice changes nothing");
    }
}
