//! Re-authentication: an access token proves a session, not the person at
//! the keyboard now. Changes that would hand the account to someone else
//! (a new password, a new address) ask for the current password as well.
//!
//! Guesses go through the same throttle as logins, counted per account and
//! address: otherwise a stolen 15-minute token would be a password oracle
//! at the gateway's API rate, outside every login limit.

use std::{
    future::{Ready, ready},
    net::IpAddr,
};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use capstone_platform::client_address::ClientAddress;
use secrecy::{ExposeSecret, SecretString};

use crate::{accounts::Accounts, domain::User, error::ApiError, repo::RepoError};

/// What checking the current password needs; an extractor, so a handler
/// asks for it in one argument and hands it to the use case.
#[derive(Clone)]
pub struct Reauthentication {
    accounts: web::Data<Accounts>,
    client: Option<IpAddr>,
}

impl FromRequest for Reauthentication {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Infallible: the peer, or what a trusted proxy forwarded.
        let client = ClientAddress::from_request(req, payload)
            .into_inner()
            .map_or(None, |address| address.0);
        let accounts = req
            .app_data::<web::Data<Accounts>>()
            .cloned()
            .map(|accounts| Self { accounts, client });
        ready(accounts.ok_or_else(|| ApiError::internal(MissingAppData)))
    }
}

/// A wiring bug: the app was built without the `Accounts` state.
#[derive(Debug, thiserror::Error)]
#[error("missing from the app data: Accounts")]
struct MissingAppData;

impl std::fmt::Debug for Reauthentication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reauthentication")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Reauthentication {
    /// For callers that are not an actix handler (GraphQL's resolvers).
    pub fn new(accounts: web::Data<Accounts>, client: Option<IpAddr>) -> Self {
        Self { accounts, client }
    }

    /// The caller's account, once `password` proves it is theirs: what
    /// every re-authenticated handler starts with.
    pub async fn current_user(
        &self,
        user_id: uuid::Uuid,
        password: &SecretString,
        field: &'static str,
    ) -> Result<User, ApiError> {
        let user = self
            .accounts
            .users
            .find(user_id)
            .await
            .map_err(ApiError::from_repo(user_id))?;
        self.confirm_password(&user, password, field).await?;
        Ok(user)
    }

    // ANCHOR: confirm_password
    /// `Ok` when `password` is `user`'s current one; 403 naming `field`
    /// otherwise, 429 past the login limits.
    pub async fn confirm_password(
        &self,
        user: &User,
        password: &SecretString,
        field: &'static str,
    ) -> Result<(), ApiError> {
        let Accounts {
            users,
            passwords,
            login_throttle: throttle,
            ..
        } = self.accounts.get_ref();
        let email = user.email.as_str();
        if let Some(retry_after_secs) = throttle.count_attempt(email, self.client).await {
            return Err(ApiError::TooManyLoginAttempts { retry_after_secs });
        }
        let stored = users
            .password_hash(user.id)
            .await
            .map_err(|error| match error {
                RepoError::NotFound => ApiError::Unauthenticated,
                other => other.into(),
            })?;
        if !passwords
            .verify(password.expose_secret(), stored.as_deref())
            .await
        {
            return Err(ApiError::WrongPassword { field });
        }
        throttle.succeeded(email, self.client).await;
        Ok(())
    }
    // ANCHOR_END: confirm_password
}
