//! Sealed secrets: bearer tokens that must cross places that keep what
//! they carry (the outbox table, RabbitMQ, dead-letter queues, the worker's
//! logs), readable only by the service that finally uses them.
//!
//! A link in an email ("verify your address", "reset your password") holds
//! a token that is as good as a password until it expires. The users
//! service makes it, the worker puts it in the email; in between it sits in
//! the outbox (kept after sending), in the broker, perhaps in a dead-letter
//! queue for days. So it travels sealed: encrypted and authenticated with
//! ChaCha20-Poly1305 (an AEAD) under a key both services hold and nothing
//! on the way does. docs/src/adr/0007-sealed-link-tokens.md says why this and
//! not the alternatives.
//!
//! * **format**: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`: the
//!   key id picks the key, so keys rotate like signing keys do (add the new
//!   one last everywhere, then retire the old after the longest link lives);
//! * **nonces**: 96 random bits per seal. Random nonces are safe for about
//!   2³² seals under one key; rotate long before that;
//! * **context**: the caller binds each sealed value to what it is for
//!   (purpose and user, as associated data): a sealed reset token moved into
//!   another user's event, or another event type, does not open.

use std::path::PathBuf;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{
    aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    rand::{SecureRandom, SystemRandom},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::settings::Environment;

#[cfg(test)]
mod tests;

/// `[link_sealing]`: the keys that seal link tokens on their way to email.
/// Both the users service (seals) and the worker (opens) read this section.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SealingSettings {
    /// Oldest first; the last one seals, every one opens. Empty in
    /// development: a built-in, public development key is used (refused in
    /// production).
    pub keys: Vec<SealingKeySettings>,
}

/// One key (`[[link_sealing.keys]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SealingKeySettings {
    /// Key id, written into every value it seals: `2026-12`, say.
    pub id: String,
    /// 32 random bytes, base64 (`openssl rand -base64 32`), inline…
    #[serde(default, serialize_with = "crate::settings::expose_optional_secret")]
    pub key: Option<SecretString>,
    /// …or read from this file (a mounted Kubernetes secret).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// The key used when none is configured in development. It is public (it
/// is right here), so it protects nothing: production refuses to start
/// with it, and with no key at all.
const DEVELOPMENT_KEY_ID: &str = "development-only";
const DEVELOPMENT_KEY: [u8; 32] = *b"public key for development only.";

const FORMAT_VERSION: &str = "v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealingError {
    #[error("link_sealing.keys: {0}")]
    InvalidKey(String),
    #[error("no link sealing key is configured (link_sealing.keys); production needs one")]
    NoKey,
    #[error("the system's random number generator failed")]
    Randomness,
    /// Not sealed by us, sealed for another context, tampered with, or
    /// sealed under a key this process does not hold. One error for all:
    /// the difference is not for whoever sent the value.
    #[error(
        "the sealed value does not open (unknown key id {key_id:?}, or altered, or sealed for another purpose)"
    )]
    DoesNotOpen { key_id: String },
}

/// Seals and opens values with the configured keys. Cheap to share.
pub struct Sealer {
    /// Configured order; the last one seals.
    keys: Vec<(String, LessSafeKey)>,
    random: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("Sealer").field("key_ids", &ids).finish()
    }
}

// ANCHOR: seal
impl Sealer {
    pub fn from_settings(
        settings: &SealingSettings,
        environment: Environment,
    ) -> Result<Self, SealingError> {
        if settings.keys.is_empty() {
            if environment.is_development() {
                return Self::new(vec![(DEVELOPMENT_KEY_ID.to_owned(), DEVELOPMENT_KEY)]);
            }
            return Err(SealingError::NoKey);
        }
        let keys = settings
            .keys
            .iter()
            .map(|key| Ok((key.id.clone(), key_bytes(key)?)))
            .collect::<Result<Vec<_>, SealingError>>()?;
        if !environment.is_development() && keys.iter().any(|(id, _)| id == DEVELOPMENT_KEY_ID) {
            return Err(SealingError::InvalidKey(format!(
                "`{DEVELOPMENT_KEY_ID}` is the public development key"
            )));
        }
        Self::new(keys)
    }

    fn new(keys: Vec<(String, [u8; 32])>) -> Result<Self, SealingError> {
        let keys = keys
            .into_iter()
            .map(|(id, bytes)| {
                if id.is_empty() || id.contains('.') {
                    return Err(SealingError::InvalidKey(format!(
                        "key id `{id}` must be non-empty and contain no `.`"
                    )));
                }
                let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
                    .map_err(|_| SealingError::InvalidKey(format!("{id}: unusable key")))?;
                Ok((id, LessSafeKey::new(key)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            keys,
            random: SystemRandom::new(),
        })
    }

    /// `secret` sealed for `context` under the newest key.
    pub fn seal(&self, secret: &str, context: &str) -> Result<String, SealingError> {
        let (id, key) = self.keys.last().ok_or(SealingError::NoKey)?;
        let mut nonce = [0_u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| SealingError::Randomness)?;
        let mut sealed = secret.as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| SealingError::Randomness)?;
        let mut payload = nonce.to_vec();
        payload.extend_from_slice(&sealed);
        Ok(format!(
            "{FORMAT_VERSION}.{id}.{}",
            URL_SAFE_NO_PAD.encode(payload)
        ))
    }

    /// The secret inside `sealed`, if it was sealed for `context` under a
    /// key this process holds and nobody changed a bit of it since.
    pub fn open(&self, sealed: &str, context: &str) -> Result<SecretString, SealingError> {
        let mut parts = sealed.splitn(3, '.');
        let (version, key_id, payload) = (parts.next(), parts.next(), parts.next());
        let key_id = key_id.unwrap_or_default().to_owned();
        let refused = || SealingError::DoesNotOpen {
            key_id: key_id.clone(),
        };
        if version != Some(FORMAT_VERSION) {
            return Err(refused());
        }
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| *id == key_id)
            .ok_or_else(refused)?;
        let mut payload = URL_SAFE_NO_PAD
            .decode(payload.unwrap_or_default())
            .map_err(|_| refused())?;
        if payload.len() < NONCE_LEN {
            return Err(refused());
        }
        let mut ciphertext = payload.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&payload).map_err(|_| refused())?;
        let opened = key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut ciphertext)
            .map_err(|_| refused())?;
        let text = String::from_utf8(opened.to_vec()).map_err(|_| refused())?;
        Ok(SecretString::from(text))
    }
}
// ANCHOR_END: seal

/// The 32 bytes of a configured key, from its inline value or its file.
fn key_bytes(key: &SealingKeySettings) -> Result<[u8; 32], SealingError> {
    let encoded = match (&key.key, &key.key_file) {
        (Some(inline), None) => inline.expose_secret().to_owned(),
        (None, Some(path)) => std::fs::read_to_string(path).map_err(|error| {
            SealingError::InvalidKey(format!("{}: {}: {error}", key.id, path.display()))
        })?,
        _ => {
            return Err(SealingError::InvalidKey(format!(
                "{}: set exactly one of key and key_file",
                key.id
            )));
        }
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| SealingError::InvalidKey(format!("{}: not base64", key.id)))?;
    bytes.try_into().map_err(|bytes: Vec<u8>| {
        SealingError::InvalidKey(format!(
            "{}: {} bytes, expected 32 (`openssl rand -base64 32`)",
            key.id,
            bytes.len()
        ))
    })
}
