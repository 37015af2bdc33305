//! argon2id's working memory, allocated once per hashing permit and reused.
//!
//! Why: the `argon2` crate's `hash_password` and `verify_password` allocate
//! the whole working memory (19 MiB at the default cost) on every call, and
//! glibc's allocator does not give those blocks back: after half a minute of
//! 32 concurrent logins the users service held 1.3 GiB, against a 384 MiB
//! container limit (measured by `loadtests/`, see docs/src/load-tests.md).
//! Here each hash borrows a buffer from a small pool (one per permit, so at
//! most one per core) and returns it, and nothing is allocated per hash.
//!
//! The PHC strings are the same ones `argon2`'s own API writes and reads
//! (the tests check both directions); the comparison of the computed hash
//! with the stored one is `password_hash::Output`'s, in constant time.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};

/// Buffers waiting for the next hash. Never more than the number of
/// permits: each hash takes one out and puts it back.
#[derive(Debug, Clone, Default)]
pub(super) struct MemoryPool {
    idle: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl MemoryPool {
    /// A buffer to hash with (empty when none is idle: the hash sizes it).
    pub(super) fn take(&self) -> Vec<Block> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    /// Keeps `memory` for the next hash, unless it was sized for a stored
    /// hash costlier than `params` (an old or odd one): that is dropped, so
    /// one such login does not pin its memory for good.
    pub(super) fn give_back(&self, memory: Vec<Block>, params: &Params) {
        if memory.len() <= params.block_count() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(memory);
        }
    }

    #[cfg(test)]
    pub(super) fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`,
/// with a fresh salt, computed in `memory`.
pub(super) fn hash(
    params: &Params,
    password: &[u8],
    memory: &mut Vec<Block>,
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0_u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = compute(&argon2, params, password, raw_salt, output_len, memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `candidate` hashes to `stored`, with the algorithm, version and
/// cost written in `stored` (so hashes made at an older cost still verify).
pub(super) fn verify(candidate: &[u8], stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0_u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    compute(
        &argon2,
        &params,
        candidate,
        raw_salt,
        expected.len(),
        memory,
    )
    .is_ok_and(|computed| computed == expected) // constant time
}

fn compute(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    output_len: usize,
    memory: &mut Vec<Block>,
) -> Result<Output, argon2::password_hash::Error> {
    // Every block is overwritten before it is read: no need to clear it.
    memory.resize(params.block_count(), Block::default());
    Output::init_with(output_len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, memory.as_mut_slice())
            .map_err(argon2::password_hash::Error::from)
    })
}
