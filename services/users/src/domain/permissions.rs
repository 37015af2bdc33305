//! What each role may do, as data: one table to read, instead of `if role ==
//! "admin"` checks scattered through handlers.

use capstone_contracts::Role;

/// Something only some roles may do. Acting on one's own account needs no
/// permission; these are about acting on *other* accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ListUsers,
    CreateUsers,
    ReadAnyUser,
    UpdateAnyUser,
    ChangeRoles,
    DisableUsers,
    DeleteAnyUser,
}

// ANCHOR: permissions
/// The permissions each role grants.
pub fn permissions_of(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::User => &[],
        Role::Admin => &[
            ListUsers,
            CreateUsers,
            ReadAnyUser,
            UpdateAnyUser,
            ChangeRoles,
            DisableUsers,
            DeleteAnyUser,
        ],
    }
}
// ANCHOR_END: permissions

pub fn role_grants(role: Role, permission: Permission) -> bool {
    permissions_of(role).contains(&permission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_have_no_permission_over_others_and_admins_have_all() {
        for permission in permissions_of(Role::Admin) {
            assert!(!role_grants(Role::User, *permission), "{permission:?}");
            assert!(role_grants(Role::Admin, *permission), "{permission:?}");
        }
    }
}
