//! Verifying access tokens: the one piece of auth every service shares.
//!
//! The users service signs tokens with a private Ed25519 key and publishes
//! the public half at `/.well-known/jwks.json`. Anyone holding that JWKS can
//! verify a token, but only the users service can mint one: the gateway
//! checks tokens without ever holding a secret.
//!
//! A token is accepted only if, in this order:
//! 1. its header names `EdDSA` (an allow-list of one: this refuses `none`, and
//!    refuses `HS256` tokens "signed" with our *public* key, the classic
//!    algorithm-confusion attack);
//! 2. its `kid` names a key we hold (unknown `kid`: tell the caller, who may
//!    refresh the JWKS, since keys rotate);
//! 3. the signature verifies with that key;
//! 4. `iss` and `aud` are ours, and `exp`/`nbf` hold with a small leeway for
//!    clock skew between machines.
//!
//! A token that passed all four is remembered until it expires
//! (`verified_tokens`): the same token on the next request costs a hash
//! and a lookup instead of a signature check.
//!
//! Explained in docs/src/security.md.

mod verified_tokens;

use std::{collections::HashMap, time::SystemTime};

use capstone_contracts::AccessClaims;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    errors::ErrorKind,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse},
};
use verified_tokens::VerifiedTokens;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// Why a token was refused. Every variant becomes a 401; the variant is for
/// logs and tests, never for the response body (it would help an attacker).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("algorithm {0} is not accepted")]
    AlgorithmNotAllowed(String),
    #[error("the token names no key (kid)")]
    MissingKeyId,
    #[error("no key with kid `{0}`")]
    UnknownKeyId(String),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is meant for another audience")]
    WrongAudience,
    #[error("the token's claims are invalid: {0}")]
    InvalidClaims(String),
    #[error("the key set holds an unusable key: {0}")]
    InvalidKey(String),
}

/// Checks access tokens against a set of public keys.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    /// Shared by clones; a new verifier (new key set) starts empty.
    verified: VerifiedTokens,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("TokenVerifier")
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

// ANCHOR: token_verifier
impl TokenVerifier {
    /// Trusts every Ed25519 key in `jwks` that has a `kid`, for tokens from
    /// `issuer` meant for `audience`. Keys of other types are skipped.
    pub fn from_jwks(jwks: &JwkSet, issuer: &str, audience: &str) -> Result<Self, TokenError> {
        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            let AlgorithmParameters::OctetKeyPair(params) = &jwk.algorithm else {
                continue;
            };
            let Some(kid) = &jwk.common.key_id else {
                continue;
            };
            if params.curve != EllipticCurve::Ed25519 {
                continue;
            }
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|error| TokenError::InvalidKey(format!("{kid}: {error}")))?;
            keys.insert(kid.clone(), key);
        }

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Self {
            keys,
            validation,
            verified: VerifiedTokens::new(),
        })
    }

    /// The token's claims if it verifies: from memory when this exact token
    /// verified before and has not expired, otherwise checked in full.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        if let Some(claims) = self.verified.get(token) {
            return Ok(claims);
        }
        let claims = self.verify_signature_and_claims(token)?;
        self.verified.insert(token, &claims);
        Ok(claims)
    }

    fn verify_signature_and_claims(&self, token: &str) -> Result<AccessClaims, TokenError> {
        // An `alg` the library does not know (`none`) fails here, as malformed.
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::AlgorithmNotAllowed(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(TokenError::MissingKeyId)?;
        let key = self
            .keys
            .get(&kid)
            .ok_or_else(|| TokenError::UnknownKeyId(kid.clone()))?;
        jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                ErrorKind::InvalidAudience => TokenError::WrongAudience,
                ErrorKind::InvalidAlgorithm => {
                    TokenError::AlgorithmNotAllowed(format!("{:?}", header.alg))
                }
                ErrorKind::MissingRequiredClaim(claim) => {
                    TokenError::InvalidClaims(format!("missing `{claim}`"))
                }
                ErrorKind::Json(inner) => TokenError::InvalidClaims(inner.to_string()),
                _ => TokenError::Malformed,
            })
    }

    /// The key ids this verifier trusts.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}
// ANCHOR_END: token_verifier

/// Seconds since the Unix epoch, as `exp` counts them.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// An Ed25519 private key with its id: what signs access tokens.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// From a PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
    pub fn from_pem(kid: &str, pem: &str) -> Result<Self, TokenError> {
        let encoding = EncodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|error| TokenError::InvalidKey(format!("{kid}: {error}")))?;
        Self::from_encoding_key(kid, encoding)
    }

    /// A fresh random key (development and tests only: it dies with the process).
    pub fn generate(kid: &str) -> Result<Self, TokenError> {
        // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): a fixed 16-byte
        // prefix, then the 32 random bytes.
        const PKCS8_ED25519_PREFIX: [u8; 16] = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        let mut der = PKCS8_ED25519_PREFIX.to_vec();
        let mut seed = [0_u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|error| TokenError::InvalidKey(format!("no randomness: {error}")))?;
        der.extend_from_slice(&seed);
        Self::from_encoding_key(kid, EncodingKey::from_ed_der(&der))
    }

    fn from_encoding_key(kid: &str, encoding: EncodingKey) -> Result<Self, TokenError> {
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::EdDSA)
            .map_err(|error| TokenError::InvalidKey(format!("{kid}: {error}")))?;
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self {
            kid: kid.to_owned(),
            encoding,
            jwk,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, as published in the JWKS.
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// Signs `claims` as an EdDSA JWT naming this key.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|error| TokenError::InvalidKey(format!("{}: {error}", self.kid)))
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod verified_tokens_tests;
