//! The last-admin rule, enforced where it can hold: inside the transaction
//! that would break it.
//!
//! Counting admins and then demoting one is a race: two admins demoting
//! each other at once would both see "two admins" and leave none. So every
//! write that may take an admin away (a role change, a suspension, a delete)
//! first locks all active admin rows, in id order, and counts under the lock.
//! The id order matters: two such transactions then wait for each other
//! instead of each holding a row the other needs (a deadlock). Writes that
//! cannot remove an admin (a new display name) take no such lock.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::RepoError;
use crate::{
    domain::{Role, User},
    schema::users,
};

/// Locks every active admin's row until the transaction ends; their ids.
pub(super) async fn lock_active_admins(
    connection: &mut AsyncPgConnection,
) -> Result<Vec<Uuid>, RepoError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .order(users::id)
        .for_update()
        .load(connection)
        .await?)
}

/// `LastAdmin` when `before` is an active admin, `after` (None: deleted) is
/// not, and nobody else in `locked_admins` would remain.
pub(super) fn keep_an_admin(
    before: &User,
    after: Option<&User>,
    locked_admins: &[Uuid],
) -> Result<(), RepoError> {
    let removes_one = before.is_active_admin() && !after.is_some_and(User::is_active_admin);
    let others = locked_admins.iter().filter(|id| **id != before.id).count();
    if removes_one && others == 0 {
        return Err(RepoError::LastAdmin);
    }
    Ok(())
}
