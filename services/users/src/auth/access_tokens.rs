//! Issuing access tokens: short-lived EdDSA JWTs signed with the newest key.
//!
//! Key rotation without logging anyone out, even across a rolling deploy:
//! 1. add the new key *last* with `publish_only = true` and deploy: every
//!    instance now publishes (and so accepts) it, but none signs with it;
//! 2. remove `publish_only` and deploy: new tokens are signed with it;
//! 3. one token lifetime later (15 minutes by default), remove the old key.
//!
//! The last key without `publish_only` signs; every configured key is in the
//! JWKS.

use std::sync::Arc;

use capstone_contracts::{AccessClaims, Role};
use capstone_platform::access_token::{SigningKey, TokenError, TokenVerifier};
use jsonwebtoken::jwk::JwkSet;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::User;

/// One configured signing key (`[[users.auth.signing_keys]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeySettings {
    /// Key id, published in the JWKS and in each token's header. Use
    /// something that sorts by age, such as `2026-11`.
    pub kid: String,
    /// The PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), inline…
    #[serde(serialize_with = "capstone_platform::settings::expose_optional_secret")]
    pub private_key_pem: Option<SecretString>,
    /// …or read from this file (a mounted Kubernetes secret, say).
    pub private_key_file: Option<std::path::PathBuf>,
    /// Published in the JWKS but not used to sign yet (rotation step 1).
    #[serde(default)]
    pub publish_only: bool,
}

/// Signs access tokens and publishes the keys that verify them.
#[derive(Clone)]
pub struct AccessTokenIssuer {
    /// Every published key, in configured order.
    keys: Arc<[SigningKey]>,
    /// Index of the key that signs.
    signer: usize,
    issuer: String,
    audience: String,
    lifetime_secs: i64,
}

impl std::fmt::Debug for AccessTokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(SigningKey::kid).collect();
        f.debug_struct("AccessTokenIssuer")
            .field("kids", &kids)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// A signed token and what it says.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub claims: AccessClaims,
}

impl AccessTokenIssuer {
    pub fn new(
        keys: Vec<SigningKey>,
        issuer: &str,
        audience: &str,
        lifetime_secs: i64,
    ) -> Result<Self, TokenError> {
        let signer = keys
            .len()
            .checked_sub(1)
            .ok_or_else(|| TokenError::InvalidKey("no signing key configured".into()))?;
        Ok(Self {
            keys: keys.into(),
            signer,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            lifetime_secs,
        })
    }

    /// From configured keys: all published, the last without `publish_only` signs.
    pub fn from_settings(
        settings: &[SigningKeySettings],
        issuer: &str,
        audience: &str,
        lifetime_secs: i64,
    ) -> Result<Self, TokenError> {
        let signer = settings
            .iter()
            .rposition(|key| !key.publish_only)
            .ok_or_else(|| {
                TokenError::InvalidKey("every key is publish_only: none can sign".into())
            })?;
        let mut issuer = Self::new(Self::load_keys(settings)?, issuer, audience, lifetime_secs)?;
        issuer.signer = signer;
        Ok(issuer)
    }

    /// Loads configured keys, in order.
    pub fn load_keys(settings: &[SigningKeySettings]) -> Result<Vec<SigningKey>, TokenError> {
        settings
            .iter()
            .map(|key| {
                let pem = match (&key.private_key_pem, &key.private_key_file) {
                    (Some(pem), None) => pem.expose_secret().to_owned(),
                    (None, Some(path)) => std::fs::read_to_string(path).map_err(|error| {
                        TokenError::InvalidKey(format!("{}: {}: {error}", key.kid, path.display()))
                    })?,
                    _ => {
                        return Err(TokenError::InvalidKey(format!(
                            "{}: set exactly one of private_key_pem and private_key_file",
                            key.kid
                        )));
                    }
                };
                SigningKey::from_pem(&key.kid, &pem)
            })
            .collect()
    }

    // ANCHOR: issue
    /// A token for `user` as stored now: its role and auth version.
    pub fn issue(&self, user: &User, session: Uuid) -> Result<IssuedToken, TokenError> {
        self.sign_claims(user.id, user.role, user.auth_version, Some(session))
    }

    /// A token for these claims, outside any session (tests and benches
    /// mint for ids they made up).
    pub fn issue_for(
        &self,
        user_id: Uuid,
        role: Role,
        auth_version: i32,
    ) -> Result<IssuedToken, TokenError> {
        self.sign_claims(user_id, role, auth_version, None)
    }

    fn sign_claims(
        &self,
        user_id: Uuid,
        role: Role,
        auth_version: i32,
        session: Option<Uuid>,
    ) -> Result<IssuedToken, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id,
            role,
            ver: auth_version,
            iat: now,
            nbf: now,
            exp: now + self.lifetime_secs,
            jti: Uuid::now_v7(),
            sid: session,
        };
        let signing_key = self.keys.get(self.signer).ok_or(TokenError::MissingKeyId)?;
        let token = signing_key.sign(&claims)?;
        Ok(IssuedToken { token, claims })
    }
    // ANCHOR_END: issue

    pub fn lifetime_secs(&self) -> i64 {
        self.lifetime_secs
    }

    /// Every key's public half: what `/.well-known/jwks.json` serves.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .keys
                .iter()
                .map(|key| key.public_jwk().clone())
                .collect(),
        }
    }

    /// A verifier that trusts exactly the published keys, built the same way
    /// the gateway builds its own from the JWKS.
    pub fn verifier(&self) -> Result<TokenVerifier, TokenError> {
        TokenVerifier::from_jwks(&self.jwks(), &self.issuer, &self.audience)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(kids: &[&str]) -> AccessTokenIssuer {
        let keys = kids
            .iter()
            .map(|kid| SigningKey::generate(kid).expect("key"))
            .collect();
        AccessTokenIssuer::new(keys, "capstone-users", "capstone", 900).expect("issuer")
    }

    #[test]
    fn the_newest_key_signs_and_every_key_is_published() {
        let issuer = issuer(&["2026-10", "2026-11"]);

        let issued = issuer
            .issue_for(Uuid::now_v7(), Role::User, 0)
            .expect("issued");

        let header = jsonwebtoken::decode_header(&issued.token).expect("header");
        assert_eq!(header.kid.as_deref(), Some("2026-11"));
        let kids: Vec<_> = issuer
            .jwks()
            .keys
            .iter()
            .filter_map(|key| key.common.key_id.clone())
            .collect();
        assert_eq!(kids, vec!["2026-10", "2026-11"]);
    }

    #[test]
    fn issued_tokens_verify_and_carry_subject_role_and_lifetime() {
        let issuer = issuer(&["k1"]);
        let user = Uuid::now_v7();

        let issued = issuer.issue_for(user, Role::Admin, 4).expect("issued");
        let claims = issuer
            .verifier()
            .expect("verifier")
            .verify(&issued.token)
            .expect("verifies");

        assert_eq!(claims.sub, user);
        assert_eq!(claims.role, Role::Admin);
        assert_eq!(claims.ver, 4);
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn a_publish_only_key_is_in_the_jwks_but_does_not_sign() {
        let pem_file = std::env::temp_dir().join(format!("capstone-{}.pem", Uuid::now_v7()));
        std::fs::write(&pem_file, TEST_ONLY_PEM).expect("written");
        let key = |kid: &str, publish_only: bool| SigningKeySettings {
            kid: kid.into(),
            private_key_pem: None,
            private_key_file: Some(pem_file.clone()),
            publish_only,
        };
        let issuer = AccessTokenIssuer::from_settings(
            &[key("old", false), key("next", true)],
            "capstone-users",
            "capstone",
            900,
        )
        .expect("issuer");
        std::fs::remove_file(&pem_file).expect("removed");

        let issued = issuer
            .issue_for(Uuid::now_v7(), Role::User, 0)
            .expect("issued");

        let header = jsonwebtoken::decode_header(&issued.token).expect("header");
        assert_eq!(header.kid.as_deref(), Some("old"));
        assert_eq!(issuer.jwks().keys.len(), 2);
    }

    /// Made with `openssl genpkey -algorithm ed25519` for this test alone.
    const TEST_ONLY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGgy6JAHcPVbyKAgonEXSElSSGXsd+KfNZcIMTFBFr6S
-----END PRIVATE KEY-----
";

    #[test]
    fn a_key_with_both_or_neither_source_is_refused() {
        let neither = SigningKeySettings {
            kid: "k".into(),
            private_key_pem: None,
            private_key_file: None,
            publish_only: false,
        };
        let error = AccessTokenIssuer::load_keys(&[neither]).expect_err("no source");
        assert!(error.to_string().contains("exactly one"));
    }
}
