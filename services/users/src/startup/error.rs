//! Why the users service could not start, and what to do about it: the
//! advice `users` prints when run on its own, and `capstone up` prints too.

use capstone_platform::{
    ConfigError, access_token::TokenError, database::DatabaseError, migrations::MigrationError,
    server::BindError, service::Remedy,
};

use crate::auth::PasswordHashError;

/// Why the service could not start. Each variant names what to fix; its
/// [`Remedy`] says how.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Migrations(#[from] MigrationError),
    #[error("signing keys are unusable: {0}")]
    SigningKeys(#[from] TokenError),
    #[error("links cannot be made or sealed: {0}")]
    LinkSecret(String),
    #[error("password hashing cannot be set up: {0}")]
    PasswordHashing(#[from] PasswordHashError),
    #[error(transparent)]
    Bind(#[from] BindError),
}

impl Remedy for StartupError {
    fn remedy(&self) -> Option<String> {
        match self {
            Self::Config(error) => error.remedy(),
            Self::Database(error) => error.remedy().map(|advice| {
                format!(
                    "The users service keeps its accounts in PostgreSQL (DATABASE_URL, default \
                     postgres://postgres:postgres@127.0.0.1:5432/capstone). {advice}"
                )
            }),
            Self::Migrations(error) => error.remedy(),
            Self::SigningKeys(_) => Some(
                "Each [[users.auth.signing_keys]] entry needs a kid and an Ed25519 PKCS#8 PEM \
                 (make one with `openssl genpkey -algorithm ed25519`), inline or as a file."
                    .into(),
            ),
            Self::PasswordHashing(_) => Some(
                "Check [users.auth.argon2] (memory_kib, iterations, parallelism) or remove it \
                 to use the defaults."
                    .into(),
            ),
            Self::LinkSecret(_) => Some(
                "Set users.auth.link_secret (CAPSTONE_USERS__AUTH__LINK_SECRET, at least 32 \
                 bytes) and, in production, link_sealing.keys (32 random bytes, base64: \
                 `openssl rand -base64 32`)."
                    .into(),
            ),
            Self::Bind(error) => error.remedy(),
        }
    }
}
