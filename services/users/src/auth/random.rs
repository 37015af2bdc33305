//! Unguessable strings from the operating system's randomness.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

#[derive(Debug, thiserror::Error)]
#[error("the operating system gave no randomness: {0}")]
pub struct NoRandomness(String);

/// `N` random bytes as unpadded base64url (URL- and JSON-safe).
pub fn random_url_safe<const N: usize>() -> Result<String, NoRandomness> {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes).map_err(|error| NoRandomness(error.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
