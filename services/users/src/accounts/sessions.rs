//! Sessions: log in, refresh, log out, and the token pair that starts one.

use std::net::IpAddr;

use secrecy::{ExposeSecret, SecretString};

use super::Accounts;
use crate::{
    auth::{NewRefreshToken, hash_refresh_token},
    domain::User,
    error::ApiError,
    repo::Rotation,
};

/// An access token and the refresh token of its session, as issued.
pub struct TokenPair {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: SecretString,
    /// Seconds the refresh token stays valid unused, at most (the session's
    /// absolute limit may end it sooner): a browser cookie's `Max-Age`.
    pub refresh_expires_in: i64,
}

// Hand-written: the access token is a credential too (the refresh token is
// a `SecretString`, redacted by its own `Debug`).
impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("refresh_expires_in", &self.refresh_expires_in)
            .finish()
    }
}

impl Accounts {
    // ANCHOR: login
    /// Email and password for a token pair. `client` is the peer, or behind
    /// the gateway the address it forwards (see platform::client_address).
    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, ApiError> {
        if let Some(retry_after_secs) = self.login_throttle.count_attempt(email, client).await {
            return Err(ApiError::TooManyLoginAttempts { retry_after_secs });
        }
        let found = self.users.find_with_password_hash(email).await?;
        let (user, stored_hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        // Unknown email, no password or wrong password: the same work (a full
        // argon2 verification) and the same answer, so neither the response nor
        // its timing says which accounts exist.
        let verified = self
            .passwords
            .verify(password.expose_secret(), stored_hash.as_deref())
            .await;
        let user = user
            .filter(|_| verified)
            .ok_or(ApiError::InvalidCredentials)?;
        self.login_throttle.succeeded(email, client).await;
        // Said only to whoever knows the password: nobody else learns anything.
        if user.is_disabled() {
            return Err(ApiError::AccountDisabled);
        }
        self.start_session(&user).await
    }
    // ANCHOR_END: login

    // ANCHOR: refresh
    /// A refresh token for a new pair (the old one stops working).
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenPair, ApiError> {
        let successor = NewRefreshToken::generate().map_err(ApiError::internal)?;
        let presented = hash_refresh_token(refresh_token.expose_secret());
        let (user, session) = match self.sessions.rotate(&presented, &successor.hash).await? {
            Rotation::Rotated { user, family_id } => (user, family_id),
            Rotation::ReuseDetected { user_id, family_id } => {
                tracing::warn!(%user_id, %family_id, "refresh token reused: session revoked");
                return Err(ApiError::InvalidRefreshToken);
            }
            Rotation::Rejected => return Err(ApiError::InvalidRefreshToken),
        };
        self.reads.wrote(user.id).await;
        let access = self
            .tokens
            .issue(&user, session)
            .map_err(ApiError::internal)?;
        Ok(TokenPair {
            access_token: access.token,
            expires_in: self.tokens.lifetime_secs(),
            refresh_token: successor.token,
            refresh_expires_in: self.sessions.idle_lifetime().num_seconds(),
        })
    }
    // ANCHOR_END: refresh

    /// Ends the session `refresh_token` belongs to (unknown tokens too:
    /// logging out twice is fine).
    pub async fn logout(&self, refresh_token: &SecretString) -> Result<(), ApiError> {
        self.sessions
            .revoke_family_of(&hash_refresh_token(refresh_token.expose_secret()))
            .await?;
        Ok(())
    }

    /// A new session for `user`: a refresh token stored (hashed) and an
    /// access token.
    pub(crate) async fn start_session(&self, user: &User) -> Result<TokenPair, ApiError> {
        let refresh = NewRefreshToken::generate().map_err(ApiError::internal)?;
        let session = self.sessions.start(user.id, &refresh.hash).await?;
        self.reads.wrote(user.id).await;
        let access = self
            .tokens
            .issue(user, session)
            .map_err(ApiError::internal)?;
        Ok(TokenPair {
            access_token: access.token,
            expires_in: self.tokens.lifetime_secs(),
            refresh_token: refresh.token,
            refresh_expires_in: self.sessions.idle_lifetime().num_seconds(),
        })
    }
}
