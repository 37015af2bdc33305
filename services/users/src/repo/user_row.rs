//! The `users` row as diesel reads and writes it, and its conversion to and
//! from the domain `User`. Columns are plain strings here; turning them back
//! into validated types happens once, in `TryFrom<UserRow>`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::RepoError;
use crate::{
    domain::{DisplayName, Email, NewUser, User},
    schema::users,
};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(super) struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    role: String,
    email_verified_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    auth_version: i32,
    disabled_at: Option<DateTime<Utc>>,
}

impl TryFrom<UserRow> for User {
    type Error = RepoError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str, error: &dyn std::fmt::Display| {
            RepoError::CorruptRow(format!("user {}: {what}: {error}", row.id))
        };
        Ok(User {
            id: row.id,
            email: Email::parse(&row.email).map_err(|e| corrupt("email", &e))?,
            display_name: DisplayName::parse(&row.display_name)
                .map_err(|e| corrupt("display_name", &e))?,
            role: row.role.parse().map_err(|e| corrupt("role", &e))?,
            email_verified_at: row.email_verified_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            auth_version: row.auth_version,
            disabled_at: row.disabled_at,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(super) struct NewUserRow<'a> {
    id: Uuid,
    email: &'a str,
    display_name: &'a str,
    role: &'a str,
}

impl<'a> From<&'a NewUser> for NewUserRow<'a> {
    fn from(user: &'a NewUser) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str(),
            display_name: user.display_name.as_str(),
            role: user.role.as_str(),
        }
    }
}

/// Every column a PATCH may change. `None` must write NULL (a changed
/// address is unverified, a reactivated account is not disabled), hence
/// `treat_none_as_null`.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub(super) struct UserChangeset<'a> {
    email: &'a str,
    display_name: &'a str,
    role: &'a str,
    email_verified_at: Option<DateTime<Utc>>,
    auth_version: i32,
    disabled_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a User> for UserChangeset<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            email: user.email.as_str(),
            display_name: user.display_name.as_str(),
            role: user.role.as_str(),
            email_verified_at: user.email_verified_at,
            auth_version: user.auth_version,
            disabled_at: user.disabled_at,
        }
    }
}
