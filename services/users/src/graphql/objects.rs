//! What the schema's types look like, over the domain's: a `User` is a
//! [`domain::User`] seen through GraphQL, with the
//! same fields as the REST `UserResponse`, plus the relation REST has no
//! room for (`sessions`).

use async_graphql::{Context, Enum, Object, Result, SimpleObject, dataloader::DataLoader};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{errors::to_graphql, loaders::SessionsLoader};
use crate::{accounts::TokenPair, domain};

/// What an account may do (`USER` or `ADMIN`).
#[derive(Debug, Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role", remote = "capstone_contracts::Role")]
pub enum RoleValue {
    /// A regular account.
    User,
    /// May manage every account.
    Admin,
}

/// A user account.
#[derive(Debug, Clone)]
pub struct User(pub domain::User);

#[Object]
impl User {
    async fn id(&self) -> Uuid {
        self.0.id
    }

    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    async fn display_name(&self) -> &str {
        self.0.display_name.as_str()
    }

    async fn role(&self) -> RoleValue {
        self.0.role.into()
    }

    /// When the user proved they own `email`; null until then.
    async fn email_verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.email_verified_at
    }

    /// When an admin suspended the account; null while it is active.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    // ANCHOR: sessions_field
    /// The account's live sessions, newest first: one's own, or anyone's
    /// for an admin. In a list of users, one query loads them all.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let sessions = ctx
            .data::<DataLoader<SessionsLoader>>()?
            .load_one(self.0.id)
            .await
            .map_err(|error| to_graphql(&error))?
            .unwrap_or_default();
        Ok(sessions.into_iter().map(Session).collect())
    }
    // ANCHOR_END: sessions_field
}

/// A login on some device: it lasts while its refresh token is refreshed.
#[derive(Debug, Clone)]
pub struct Session(pub domain::Session);

#[Object]
impl Session {
    /// Pass it to `revokeSession` to end this session.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    async fn signed_in_at(&self) -> DateTime<Utc> {
        self.0.signed_in_at
    }

    async fn last_refreshed_at(&self) -> DateTime<Utc> {
        self.0.last_refreshed_at
    }

    /// When it ends unless refreshed before.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// Whether the caller's access token was issued to this session (its
    /// `sid` claim): "this device", which a page offers to sign out of
    /// rather than revoke.
    async fn current(&self, ctx: &Context<'_>) -> Result<bool> {
        let caller = ctx.data::<super::Caller>()?;
        Ok(caller.user.session == Some(self.0.id))
    }
}

/// A new access token and the refresh token of its session.
#[derive(SimpleObject)]
#[graphql(name = "TokenPair")]
pub struct Tokens {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
}

// Hand-written: both are credentials.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl From<TokenPair> for Tokens {
    fn from(pair: TokenPair) -> Self {
        use secrecy::ExposeSecret as _;
        Self {
            access_token: pair.access_token,
            expires_in: pair.expires_in,
            refresh_token: pair.refresh_token.expose_secret().to_owned(),
        }
    }
}
