//! What can be changed: the use cases a page needs. Sign-up, login,
//! refresh and the emailed links stay REST only: they are what a client
//! does before it has a token, and this endpoint needs one.

use actix_web::web;
use async_graphql::{Context, Object, Result};
use secrecy::SecretString;
use uuid::Uuid;

use super::{
    Caller,
    objects::{RoleValue, Tokens, User},
};
use crate::{
    accounts::Accounts,
    auth::Reauthentication,
    domain::{DisplayName, UserChanges},
    error::ApiError,
};

/// The root of every change.
#[derive(Debug, Default)]
pub struct Mutation;

#[Object]
impl Mutation {
    // ANCHOR: update_me
    /// Changes the caller's display name.
    async fn update_me(&self, ctx: &Context<'_>, display_name: String) -> Result<User> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        let display_name = DisplayName::parse(&display_name)
            .map_err(|invalid| ApiError::invalid_field("display_name", &invalid))?;
        let changes = UserChanges {
            display_name: Some(display_name),
            ..UserChanges::default()
        };
        let user = accounts
            .update_user(caller.origin.clone(), &caller.user, caller.user.id, changes)
            .await?;
        Ok(User(user))
    }
    // ANCHOR_END: update_me

    /// Replaces the caller's password, proven by the current one. Every
    /// other session ends; the answer is a new pair for this one.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<Tokens> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        let reauthentication = Reauthentication::new(accounts.clone(), caller.client);
        let pair = accounts
            .change_password(
                caller.user.id,
                &reauthentication,
                &SecretString::from(current_password),
                &SecretString::from(new_password),
            )
            .await?;
        Ok(pair.into())
    }

    /// Ends one of the caller's sessions (see `me { sessions { id } }`).
    async fn revoke_session(&self, ctx: &Context<'_>, id: Uuid) -> Result<bool> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        accounts.revoke_session(&caller.user, id).await?;
        Ok(true)
    }

    /// Gives user `id` another role (admins only, not on themselves).
    async fn set_user_role(&self, ctx: &Context<'_>, id: Uuid, role: RoleValue) -> Result<User> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        let changes = UserChanges {
            role: Some(role.into()),
            ..UserChanges::default()
        };
        let user = accounts
            .update_user(caller.origin.clone(), &caller.user, id, changes)
            .await?;
        Ok(User(user))
    }
}
