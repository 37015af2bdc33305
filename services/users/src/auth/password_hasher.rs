//! Password hashing with argon2id.
//!
//! * **argon2id** is memory-hard: each guess costs an attacker memory as well
//!   as time, which blunts GPUs and ASICs. The default cost is OWASP's
//!   recommendation (19 MiB, 2 passes, 1 lane); raise it if your servers can
//!   afford more, and measure with `cargo bench -p capstone-users`.
//! * **Off the executor.** One hash takes tens of milliseconds of pure CPU;
//!   on an async worker thread that would stall every other request on it, so
//!   hashing runs on tokio's blocking pool (`spawn_blocking`).
//! * **Timing.** Verification compares in constant time (the argon2 crate),
//!   and a login for an unknown email still verifies against a dummy hash of
//!   the same cost, so response time does not reveal which accounts exist.
//! * **Self-describing hashes.** The stored PHC string
//!   (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) carries its own parameters,
//!   so raising the cost later does not invalidate existing passwords.

use std::sync::Arc;

use argon2::{
    Params,
    password_hash::{SaltString, rand_core::OsRng},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::domain::Password;

/// argon2id cost parameters (`users.auth.argon2`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Settings {
    /// Memory per hash, in KiB (OWASP: 19456 = 19 MiB).
    pub memory_kib: u32,
    /// Passes over that memory (OWASP: 2).
    pub iterations: u32,
    /// Lanes (OWASP: 1).
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordHashError {
    #[error("invalid argon2 parameters: {0}")]
    Parameters(String),
    #[error("hashing failed: {0}")]
    Hashing(String),
    #[error("the hashing task did not complete")]
    Task,
}

mod working_memory;

use working_memory::MemoryPool;

/// Hashes and verifies passwords. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Arc<Params>,
    /// At most one hash per core at a time: each holds `memory_kib` of RAM,
    /// so a burst of logins queues here instead of exhausting memory.
    permits: Arc<tokio::sync::Semaphore>,
    /// The working memory of each permit, reused from hash to hash (see
    /// [`working_memory`]: allocating it per hash cost 1.3 GiB of RSS).
    memory: MemoryPool,
    /// A hash of a random password, verified against when the email is
    /// unknown so that both paths cost the same.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

// ANCHOR: password_hasher
impl PasswordHasher {
    pub fn new(settings: &Argon2Settings) -> Result<Self, PasswordHashError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|error| PasswordHashError::Parameters(error.to_string()))?;
        let dummy_password = SaltString::generate(&mut OsRng);
        let dummy_hash =
            working_memory::hash(&params, dummy_password.as_str().as_bytes(), &mut Vec::new())
                .map_err(|error| PasswordHashError::Hashing(error.to_string()))?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Self {
            params: Arc::new(params),
            permits: Arc::new(tokio::sync::Semaphore::new(cores)),
            memory: MemoryPool::default(),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// A PHC string for storage, computed on the blocking pool.
    pub async fn hash(&self, password: &Password) -> Result<String, PasswordHashError> {
        let secret = secrecy::SecretString::from(password.expose_secret());
        let params = Arc::clone(&self.params);
        self.with_memory(move |memory| {
            working_memory::hash(&params, secret.expose_secret().as_bytes(), memory)
        })
        .await?
        .map_err(|error| PasswordHashError::Hashing(error.to_string()))
    }

    /// Whether `candidate` matches `stored`. With no stored hash (unknown
    /// account) it still does the full work, then answers `false`.
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> bool {
        let known_account = stored.is_some();
        let hash = stored.map_or_else(|| Arc::clone(&self.dummy_hash), Arc::from);
        let candidate = secrecy::SecretString::from(candidate);
        let matches = self
            .with_memory(move |memory| {
                working_memory::verify(candidate.expose_secret().as_bytes(), &hash, memory)
            })
            .await
            .unwrap_or(false);
        matches && known_account
    }

    /// Runs `work` on the blocking pool once a permit is free, with that
    /// permit's working memory (taken from the pool and put back after).
    async fn with_memory<T, F>(&self, work: F) -> Result<T, PasswordHashError>
    where
        F: FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordHashError::Task)?;
        let mut memory = self.memory.take();
        let (outcome, memory) = tokio::task::spawn_blocking(move || {
            let outcome = work(&mut memory);
            (outcome, memory)
        })
        .await
        .map_err(|_| PasswordHashError::Task)?;
        self.memory.give_back(memory, &self.params);
        Ok(outcome)
    }

    /// The synchronous hash, for benchmarks: what one `hash` costs a core.
    pub fn hash_blocking(&self, password: &str) -> Result<String, PasswordHashError> {
        let mut memory = self.memory.take();
        let hashed = working_memory::hash(&self.params, password.as_bytes(), &mut memory)
            .map_err(|error| PasswordHashError::Hashing(error.to_string()));
        self.memory.give_back(memory, &self.params);
        hashed
    }

    /// The synchronous verification, for benchmarks.
    pub fn verify_blocking(&self, candidate: &str, stored: &str) -> bool {
        let mut memory = self.memory.take();
        let matches = working_memory::verify(candidate.as_bytes(), stored, &mut memory);
        self.memory.give_back(memory, &self.params);
        matches
    }
}
// ANCHOR_END: password_hasher

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap_hasher() -> PasswordHasher {
        // Unit tests check behaviour, not cost: keep them fast.
        PasswordHasher::new(&Argon2Settings {
            memory_kib: 1_024,
            iterations: 1,
            parallelism: 1,
        })
        .expect("valid parameters")
    }

    fn password(text: &str) -> Password {
        Password::parse(text, "ada@example.com").expect("valid")
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hasher = cheap_hasher();
        let stored = hasher.hash(&password("correct horse")).await.expect("hash");

        assert!(
            stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{stored}"
        );
        assert!(hasher.verify("correct horse", Some(&stored)).await);
        assert!(!hasher.verify("correct horsE", Some(&stored)).await);
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = cheap_hasher();
        let one = hasher.hash(&password("correct horse")).await.expect("hash");
        let two = hasher.hash(&password("correct horse")).await.expect("hash");
        assert_ne!(one, two, "a fresh salt per hash");
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = cheap_hasher();
        assert!(!hasher.verify("anything at all", None).await);
    }

    #[tokio::test]
    async fn hashes_made_with_another_cost_still_verify() {
        let old = cheap_hasher();
        let stored = old.hash(&password("correct horse")).await.expect("hash");
        let new = PasswordHasher::new(&Argon2Settings {
            memory_kib: 2_048,
            iterations: 2,
            parallelism: 1,
        })
        .expect("valid");
        assert!(new.verify("correct horse", Some(&stored)).await);
    }

    #[tokio::test]
    async fn hashes_are_interchangeable_with_the_argon2_crates_own() {
        use argon2::{
            Algorithm, Argon2, PasswordHasher as _, PasswordVerifier as _, Version,
            password_hash::PasswordHash,
        };
        let hasher = cheap_hasher();
        let theirs_hasher = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            (*hasher.params).clone(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = theirs_hasher
            .hash_password(b"correct horse", &salt)
            .expect("hash")
            .to_string();
        let ours = hasher.hash(&password("correct horse")).await.expect("hash");

        assert!(hasher.verify("correct horse", Some(&theirs)).await);
        assert!(!hasher.verify("correct horsE", Some(&theirs)).await);
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            theirs_hasher
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            theirs_hasher
                .verify_password(b"correct horsE", &parsed)
                .is_err()
        );
    }

    #[tokio::test]
    async fn the_working_memory_is_reused_not_allocated_per_hash() {
        let hasher = cheap_hasher();
        for _ in 0..5 {
            hasher.hash(&password("correct horse")).await.expect("hash");
        }
        // One after another: one buffer, taken and given back each time.
        assert_eq!(hasher.memory.idle(), 1);

        let secret = password("correct horse");
        let hashes = (0..8).map(|_| hasher.hash(&secret));
        futures_util::future::join_all(hashes).await;
        // At once: no more buffers than permits (one per core).
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert!(
            hasher.memory.idle() <= cores,
            "{} buffers",
            hasher.memory.idle()
        );
    }

    #[tokio::test]
    async fn memory_sized_for_a_costlier_stored_hash_is_not_kept() {
        let costly = PasswordHasher::new(&Argon2Settings {
            memory_kib: 4_096,
            iterations: 1,
            parallelism: 1,
        })
        .expect("valid");
        let stored = costly.hash(&password("correct horse")).await.expect("hash");
        let hasher = cheap_hasher();

        assert!(hasher.verify("correct horse", Some(&stored)).await);
        assert_eq!(hasher.memory.idle(), 0);
    }

    #[test]
    fn impossible_parameters_are_a_startup_error() {
        let error = PasswordHasher::new(&Argon2Settings {
            memory_kib: 1,
            iterations: 0,
            parallelism: 1,
        });
        assert!(matches!(error, Err(PasswordHashError::Parameters(_))));
    }
}
