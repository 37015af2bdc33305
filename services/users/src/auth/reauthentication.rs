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

use super::{LoginThrottle, PasswordHasher};
use crate::{
    domain::User,
    error::ApiError,
    repo::{RepoError, UserRepository},
};

/// What checking the current password needs; an extractor, so a handler
/// asks for it in one argument.
#[derive(Debug, Clone)]
pub struct Reauthentication {
    users: web::Data<UserRepository>,
    passwords: web::Data<PasswordHasher>,
    throttle: web::Data<LoginThrottle>,
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
        let data = || {
            Some(Self {
                users: req.app_data::<web::Data<UserRepository>>()?.clone(),
                passwords: req.app_data::<web::Data<PasswordHasher>>()?.clone(),
                throttle: req.app_data::<web::Data<LoginThrottle>>()?.clone(),
                client,
            })
        };
        ready(data().ok_or_else(|| ApiError::internal(MissingAppData)))
    }
}

/// A wiring bug: the app was built without what re-authenticating needs.
#[derive(Debug, thiserror::Error)]
#[error("missing from the app data: UserRepository, PasswordHasher or LoginThrottle")]
struct MissingAppData;

impl Reauthentication {
    /// The hasher, for the new password that usually follows.
    pub fn passwords(&self) -> &PasswordHasher {
        &self.passwords
    }

    /// The caller's account, once `password` proves it is theirs: what
    /// every re-authenticated handler starts with.
    pub async fn current_user(
        &self,
        user_id: uuid::Uuid,
        password: &str,
        field: &'static str,
    ) -> Result<User, ApiError> {
        let user = self
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
        password: &str,
        field: &'static str,
    ) -> Result<(), ApiError> {
        let email = user.email.as_str();
        if let Some(retry_after_secs) = self.throttle.count_attempt(email, self.client).await {
            return Err(ApiError::TooManyLoginAttempts { retry_after_secs });
        }
        let stored = self
            .users
            .password_hash(user.id)
            .await
            .map_err(|error| match error {
                RepoError::NotFound => ApiError::Unauthenticated,
                other => other.into(),
            })?;
        if !self.passwords.verify(password, stored.as_deref()).await {
            return Err(ApiError::WrongPassword { field });
        }
        self.throttle.succeeded(email, self.client).await;
        Ok(())
    }
    // ANCHOR_END: confirm_password
}
