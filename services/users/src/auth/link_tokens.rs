//! Tokens for links sent by email: "verify your address", "reset your
//! password". Each is a JWT signed with HMAC-SHA256 under a secret only this
//! service knows (`users.auth.link_secret`):
//!
//! * **signed**: nobody can make one without the secret, and the service can
//!   check one without storing it;
//! * **single-purpose**: the purpose is the audience (`aud`), and a token is
//!   checked only against the one purpose it was made for, so a verification
//!   link can never reset a password;
//! * **short-lived**: `exp` (24 hours to verify, 30 minutes to reset);
//! * **single-use, for resets**: the token carries a fingerprint of the
//!   password hash it was issued against. Resetting changes the hash, so the
//!   same link (and every other outstanding reset link) stops working.
//!   Verifying twice is harmless, so verification links need no such guard;
//!   they carry the address they verify, and stop working if it changes.

use capstone_contracts::events::LinkToken;
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
}

impl LinkPurpose {
    fn audience(self) -> &'static str {
        match self {
            Self::VerifyEmail => "capstone:verify-email",
            Self::ResetPassword => "capstone:reset-password",
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
    /// The address being verified (verification links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
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
    /// The email (verification) or password fingerprint (reset) it carries.
    pub bound_to: String,
}

/// Makes and checks link tokens. Cheap to clone.
#[derive(Clone)]
pub struct LinkTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    verify_ttl: TimeDelta,
    reset_ttl: TimeDelta,
}

impl std::fmt::Debug for LinkTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkTokens")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Shortest secret accepted: HMAC-SHA256 wants at least its output size.
pub const MIN_SECRET_BYTES: usize = 32;

impl LinkTokens {
    pub fn new(
        secret: &SecretString,
        issuer: &str,
        verify_ttl: TimeDelta,
        reset_ttl: TimeDelta,
    ) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            issuer: issuer.to_owned(),
            verify_ttl,
            reset_ttl,
        }
    }

    /// A token that verifies `email` for `user_id`.
    pub fn email_verification(&self, user_id: Uuid, email: &str) -> LinkToken {
        self.sign(
            LinkPurpose::VerifyEmail,
            user_id,
            Some(email.to_owned()),
            None,
        )
    }

    /// A token that resets the password of `user_id`, valid while the stored
    /// hash is still `password_hash`.
    pub fn password_reset(&self, user_id: Uuid, password_hash: Option<&str>) -> LinkToken {
        self.sign(
            LinkPurpose::ResetPassword,
            user_id,
            None,
            Some(password_fingerprint(password_hash)),
        )
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
            LinkPurpose::VerifyEmail => claims.email,
            LinkPurpose::ResetPassword => claims.pwd,
        }
        .ok_or(InvalidLink)?;
        Ok(CheckedLink {
            user_id: claims.sub,
            bound_to,
        })
    }
    // ANCHOR_END: check

    fn sign(
        &self,
        purpose: LinkPurpose,
        user_id: Uuid,
        email: Option<String>,
        pwd: Option<String>,
    ) -> LinkToken {
        let now = Utc::now();
        let ttl = match purpose {
            LinkPurpose::VerifyEmail => self.verify_ttl,
            LinkPurpose::ResetPassword => self.reset_ttl,
        };
        let expires_at: DateTime<Utc> = now + ttl;
        let claims = LinkClaims {
            iss: self.issuer.clone(),
            aud: purpose.audience().to_owned(),
            sub: user_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::now_v7(),
            email,
            pwd,
        };
        // HMAC signing of serialisable claims cannot fail.
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default();
        LinkToken { token, expires_at }
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
mod tests {
    use super::*;

    fn tokens(secret: &str) -> LinkTokens {
        LinkTokens::new(
            &SecretString::from(secret.to_owned()),
            "capstone-users",
            TimeDelta::hours(24),
            TimeDelta::minutes(30),
        )
    }

    const SECRET: &str = "a test secret that is at least 32 bytes long";

    #[test]
    fn a_verification_link_checks_for_its_purpose_only() {
        let links = tokens(SECRET);
        let user = Uuid::now_v7();
        let link = links.email_verification(user, "ada@example.com");
        let checked = links
            .check(LinkPurpose::VerifyEmail, &link.token)
            .expect("valid");
        assert_eq!(checked.user_id, user);
        assert_eq!(checked.bound_to, "ada@example.com");
        assert_eq!(
            links.check(LinkPurpose::ResetPassword, &link.token),
            Err(InvalidLink)
        );
    }

    #[test]
    fn a_reset_link_is_bound_to_the_password_hash_it_was_issued_against() {
        let links = tokens(SECRET);
        let link = links.password_reset(Uuid::now_v7(), Some("$argon2id$old"));
        let checked = links
            .check(LinkPurpose::ResetPassword, &link.token)
            .expect("valid");
        assert_eq!(
            checked.bound_to,
            password_fingerprint(Some("$argon2id$old"))
        );
        assert_ne!(
            checked.bound_to,
            password_fingerprint(Some("$argon2id$new"))
        );
    }

    #[test]
    fn forged_expired_and_foreign_tokens_are_refused() {
        let links = tokens(SECRET);
        let other = tokens("another secret that is also long enough!!");
        let forged = other.email_verification(Uuid::now_v7(), "a@example.com");
        assert_eq!(
            links.check(LinkPurpose::VerifyEmail, &forged.token),
            Err(InvalidLink)
        );
        let expired = LinkTokens {
            verify_ttl: TimeDelta::minutes(-5),
            ..links.clone()
        }
        .email_verification(Uuid::now_v7(), "a@example.com");
        assert_eq!(
            links.check(LinkPurpose::VerifyEmail, &expired.token),
            Err(InvalidLink)
        );
        assert_eq!(
            links.check(LinkPurpose::VerifyEmail, "garbage"),
            Err(InvalidLink)
        );
    }
}
