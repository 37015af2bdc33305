//! Tokens for links sent by email: "verify your address", "reset your
//! password", "confirm your new address", "undo the change of address".
//! Each is a JWT signed with HMAC-SHA256 under a secret only this service
//! knows (`users.auth.link_secret`):
//!
//! * **signed**: nobody can make one without the secret, and the service can
//!   check one without storing it;
//! * **single-purpose**: the purpose is the audience (`aud`), and a token is
//!   checked only against the one purpose it was made for, so a verification
//!   link can never reset a password;
//! * **short-lived**: `exp` (24 hours to verify or confirm a new address, 30
//!   minutes to reset, 7 days to undo a change of address);
//! * **bound to the state it was issued for**, which makes each single-use:
//!   a reset link carries a fingerprint of the password hash (resetting
//!   changes it), a verification link the address it verifies, and the two
//!   address-change links the address the account must still have (`from`)
//!   for them to apply; once applied, the account has moved on.
//! * **sealed on the way**: the token leaves this service only inside an
//!   event, sealed for the worker ([`capstone_platform::sealing`]), so the
//!   outbox and the broker hold ciphertext, never a usable link.

use std::sync::Arc;

use capstone_contracts::events::{LinkKind, SealedLinkToken};
use capstone_platform::sealing::{Sealer, SealingError};
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a link is for; its audience on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    VerifyEmail,
    ResetPassword,
    ConfirmEmailChange,
    UndoEmailChange,
}

impl LinkPurpose {
    fn audience(self) -> &'static str {
        match self {
            Self::VerifyEmail => "capstone:verify-email",
            Self::ResetPassword => "capstone:reset-password",
            Self::ConfirmEmailChange => "capstone:confirm-email-change",
            Self::UndoEmailChange => "capstone:undo-email-change",
        }
    }

    /// The same purpose as the event contract names it (for sealing).
    fn kind(self) -> LinkKind {
        match self {
            Self::VerifyEmail => LinkKind::VerifyEmail,
            Self::ResetPassword => LinkKind::ResetPassword,
            Self::ConfirmEmailChange => LinkKind::ConfirmEmailChange,
            Self::UndoEmailChange => LinkKind::UndoEmailChange,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct LinkClaims {
    iss: String,
    aud: String,
    sub: Uuid,
    iat: i64,
    exp: i64,
    jti: Uuid,
    /// The address being verified, or the address to change to (or back to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// The address the account must still have for the link to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    /// Fingerprint of the password hash at issue time (reset links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pwd: Option<String>,
}

/// The link was forged, expired, for another purpose, or already used.
/// One error for all of them: the caller learns nothing it could probe with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the link is invalid or has expired")]
pub struct InvalidLink;

/// A checked link token: whose, and what it was bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedLink {
    pub user_id: Uuid,
    /// The email (verification, address change) or password fingerprint
    /// (reset) it carries.
    pub bound_to: String,
    /// The address the account must still have (address-change links).
    pub from: Option<String>,
}

/// How long each kind of link works (`users.auth.*_ttl_secs`).
#[derive(Debug, Clone, Copy)]
pub struct LinkLifetimes {
    pub verify_email: TimeDelta,
    pub reset_password: TimeDelta,
    pub confirm_email_change: TimeDelta,
    pub undo_email_change: TimeDelta,
}

/// Makes and checks link tokens. Cheap to clone.
#[derive(Clone)]
pub struct LinkTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    lifetimes: LinkLifetimes,
    sealer: Arc<Sealer>,
}

impl std::fmt::Debug for LinkTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkTokens")
            .field("issuer", &self.issuer)
            .field("sealer", &self.sealer)
            .finish_non_exhaustive()
    }
}

/// Shortest secret accepted: HMAC-SHA256 wants at least its output size.
pub const MIN_SECRET_BYTES: usize = 32;

impl LinkTokens {
    pub fn new(
        secret: &SecretString,
        issuer: &str,
        lifetimes: LinkLifetimes,
        sealer: Arc<Sealer>,
    ) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            issuer: issuer.to_owned(),
            lifetimes,
            sealer,
        }
    }

    /// A token that verifies `email` for `user_id`, sealed.
    pub fn email_verification(
        &self,
        user_id: Uuid,
        email: &str,
    ) -> Result<SealedLinkToken, SealingError> {
        self.sealed(LinkPurpose::VerifyEmail, user_id, Bound::email(email))
    }

    /// A token that resets the password of `user_id`, valid while the stored
    /// hash is still `password_hash`, sealed.
    pub fn password_reset(
        &self,
        user_id: Uuid,
        password_hash: Option<&str>,
    ) -> Result<SealedLinkToken, SealingError> {
        let bound = Bound {
            pwd: Some(password_fingerprint(password_hash)),
            ..Bound::default()
        };
        self.sealed(LinkPurpose::ResetPassword, user_id, bound)
    }

    /// A token that moves `user_id` from address `from` to `to`, sealed.
    pub fn email_change_confirmation(
        &self,
        user_id: Uuid,
        from: &str,
        to: &str,
    ) -> Result<SealedLinkToken, SealingError> {
        let bound = Bound::moving(from, to);
        self.sealed(LinkPurpose::ConfirmEmailChange, user_id, bound)
    }

    /// A token that moves `user_id` back from `current` to `previous`, sealed.
    pub fn email_change_undo(
        &self,
        user_id: Uuid,
        current: &str,
        previous: &str,
    ) -> Result<SealedLinkToken, SealingError> {
        let bound = Bound::moving(current, previous);
        self.sealed(LinkPurpose::UndoEmailChange, user_id, bound)
    }

    // ANCHOR: check
    /// Checks signature, issuer, purpose and expiry.
    pub fn check(&self, purpose: LinkPurpose, token: &str) -> Result<CheckedLink, InvalidLink> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[purpose.audience()]);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = 5;
        let claims = jsonwebtoken::decode::<LinkClaims>(token, &self.decoding, &validation)
            .map_err(|_| InvalidLink)?
            .claims;
        let bound_to = match purpose {
            LinkPurpose::ResetPassword => claims.pwd,
            _ => claims.email,
        }
        .ok_or(InvalidLink)?;
        let moving = matches!(
            purpose,
            LinkPurpose::ConfirmEmailChange | LinkPurpose::UndoEmailChange
        );
        if moving && claims.from.is_none() {
            return Err(InvalidLink);
        }
        Ok(CheckedLink {
            user_id: claims.sub,
            bound_to,
            from: claims.from,
        })
    }
    // ANCHOR_END: check

    /// Opens a token this service sealed (tests read links from the outbox
    /// the way the worker does).
    pub fn open(
        &self,
        sealed: &SealedLinkToken,
        purpose: LinkPurpose,
        user_id: Uuid,
    ) -> Result<SecretString, SealingError> {
        let context = purpose.kind().sealing_context(user_id);
        self.sealer.open(&sealed.sealed, &context)
    }

    fn sealed(
        &self,
        purpose: LinkPurpose,
        user_id: Uuid,
        bound: Bound,
    ) -> Result<SealedLinkToken, SealingError> {
        let (token, expires_at) = self.sign(purpose, user_id, bound);
        let context = purpose.kind().sealing_context(user_id);
        Ok(SealedLinkToken {
            sealed: self.sealer.seal(&token, &context)?,
            expires_at,
        })
    }

    fn sign(&self, purpose: LinkPurpose, user_id: Uuid, bound: Bound) -> (String, DateTime<Utc>) {
        let now = Utc::now();
        let ttl = match purpose {
            LinkPurpose::VerifyEmail => self.lifetimes.verify_email,
            LinkPurpose::ResetPassword => self.lifetimes.reset_password,
            LinkPurpose::ConfirmEmailChange => self.lifetimes.confirm_email_change,
            LinkPurpose::UndoEmailChange => self.lifetimes.undo_email_change,
        };
        let expires_at: DateTime<Utc> = now + ttl;
        let claims = LinkClaims {
            iss: self.issuer.clone(),
            aud: purpose.audience().to_owned(),
            sub: user_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::now_v7(),
            email: bound.email,
            from: bound.from,
            pwd: bound.pwd,
        };
        // HMAC signing of serialisable claims cannot fail.
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default();
        (token, expires_at)
    }
}

/// What a token is bound to (see the module docs).
#[derive(Debug, Default)]
struct Bound {
    email: Option<String>,
    from: Option<String>,
    pwd: Option<String>,
}

impl Bound {
    fn email(email: &str) -> Self {
        Self {
            email: Some(email.to_owned()),
            ..Self::default()
        }
    }

    fn moving(from: &str, to: &str) -> Self {
        Self {
            email: Some(to.to_owned()),
            from: Some(from.to_owned()),
            pwd: None,
        }
    }
}

/// A short, one-way fingerprint of a password hash: enough to notice that
/// the hash changed, useless for anything else.
pub fn password_fingerprint(password_hash: Option<&str>) -> String {
    let digest = Sha256::digest(password_hash.unwrap_or("").as_bytes());
    digest[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests;
