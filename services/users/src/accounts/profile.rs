//! Reading an account: through the cache, since every request reads one.

use uuid::Uuid;

use super::Accounts;
use crate::{
    auth::AuthenticatedUser,
    domain::{Permission, User},
    error::ApiError,
};

impl Accounts {
    /// User `id`, if `caller` may see it (their own, or with the permission).
    pub async fn get_user(&self, caller: &AuthenticatedUser, id: Uuid) -> Result<User, ApiError> {
        caller.require_self_or(id, Permission::ReadAnyUser)?;
        self.cached_user(id).await
    }

    /// User `id` through the cache; `UserNotFound` when deleted.
    pub async fn cached_user(&self, id: Uuid) -> Result<User, ApiError> {
        self.cache
            .get_or_load(id, || self.users.find_optional(id))
            .await?
            .ok_or(ApiError::UserNotFound(id))
    }
}
