//! Refresh tokens: 256 random bits, handed to the client once, stored only
//! as their SHA-256.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::random::{NoRandomness, random_url_safe};

/// A freshly minted refresh token and the hash to store for it.
#[derive(Debug)]
pub struct NewRefreshToken {
    /// Goes to the client, once; never stored or logged.
    pub token: SecretString,
    pub hash: [u8; 32],
}

impl NewRefreshToken {
    pub fn generate() -> Result<Self, NoRandomness> {
        let token = random_url_safe::<32>()?;
        let hash = hash_refresh_token(&token);
        Ok(Self {
            token: token.into(),
            hash,
        })
    }

    pub fn expose(&self) -> &str {
        self.token.expose_secret()
    }
}

/// The stored form of a presented token.
pub fn hash_refresh_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_hash_consistently() {
        let one = NewRefreshToken::generate().expect("random");
        let two = NewRefreshToken::generate().expect("random");
        assert_ne!(one.expose(), two.expose());
        assert_eq!(one.expose().len(), 43, "32 bytes in unpadded base64url");
        assert!(
            one.expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(hash_refresh_token(one.expose()), one.hash);
    }
}
