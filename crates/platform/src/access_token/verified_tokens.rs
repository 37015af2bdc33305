//! Tokens that already verified, remembered until they expire.
//!
//! Checking an Ed25519 signature is the most expensive thing a cached read
//! does: about a third of the users service's CPU under load (the profile is
//! in docs/src/load-tests.md). A client sends the same access token with
//! every request for its 15-minute life, so the answer to "does this exact
//! token verify?" can be kept, the way Envoy's `jwt_authn` keeps it.
//!
//! What keeps that safe:
//! - **The exact token.** The key is the SHA-256 of the token's bytes: a
//!   token that differs in any byte (a forged signature, an edited claim)
//!   misses and is verified in full. Finding another string with the same
//!   hash is a second preimage of SHA-256. Hashes also keep bearer tokens
//!   themselves out of the process's memory once the request is gone.
//! - **Only successes.** A refused token is never remembered, so garbage
//!   cannot fill the cache; only tokens that we signed can, and at most
//!   [`CAPACITY`] of them (least recently used leave first).
//! - **No longer than the token.** An entry is served only while the token
//!   would still verify (`exp` plus the same clock-skew leeway), checked on
//!   every hit, not left to the cache's eviction timer.
//! - **Per key set.** The cache belongs to one [`super::TokenVerifier`]: a
//!   new key set (the gateway refetching the JWKS after a rotation) starts
//!   empty, so a retired key's tokens are verified again, and refused.
//!
//! What it does not change: whether the account still allows the token (the
//! users service checks that per request against the stored account).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use capstone_contracts::AccessClaims;
use moka::{Expiry, sync::Cache};
use sha2::{Digest, Sha256};

use super::{LEEWAY_SECS, unix_now};

/// Verified tokens kept per key set. An entry is a hash and a few claims
/// (about 200 bytes); a service with more active users than this only
/// verifies more signatures, it never accepts more.
const CAPACITY: u64 = 10_000;

type TokenHash = [u8; 32];

#[derive(Clone)]
pub(super) struct VerifiedTokens {
    entries: Cache<TokenHash, Arc<AccessClaims>>,
}

impl VerifiedTokens {
    pub(super) fn new() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .expire_after(UntilTokenExpires)
                .build(),
        }
    }

    /// The claims of `token`, if it verified before and still would.
    pub(super) fn get(&self, token: &str) -> Option<AccessClaims> {
        let claims = self.entries.get(&hash(token))?;
        still_valid(&claims, unix_now()).then(|| AccessClaims::clone(&claims))
    }

    /// Remembers a token that has just verified, with its claims.
    pub(super) fn insert(&self, token: &str, claims: &AccessClaims) {
        self.entries.insert(hash(token), Arc::new(claims.clone()));
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }
}

fn hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether the verifier would still accept a token with these claims at
/// `now` (seconds since the epoch): the same bound as `exp` with leeway.
pub(super) fn still_valid(claims: &AccessClaims, now: i64) -> bool {
    now <= claims.exp.saturating_add(LEEWAY_SECS as i64)
}

/// Each entry lives until its token stops verifying (the check on every hit
/// is what enforces it; this frees the memory).
struct UntilTokenExpires;

impl Expiry<TokenHash, Arc<AccessClaims>> for UntilTokenExpires {
    fn expire_after_create(
        &self,
        _key: &TokenHash,
        claims: &Arc<AccessClaims>,
        _created_at: Instant,
    ) -> Option<Duration> {
        let remaining = claims
            .exp
            .saturating_add(LEEWAY_SECS as i64)
            .saturating_sub(unix_now());
        Some(Duration::from_secs(u64::try_from(remaining).unwrap_or(0)))
    }
}
