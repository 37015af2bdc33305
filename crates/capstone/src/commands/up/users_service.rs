//! The users service as a [`Service`], until its own `startup.rs` implements
//! the trait: `impl Service for Application` and `impl Remedy for
//! StartupError` then move there, as they are here without the newtypes
//! (`self.0` becomes `self`), and this file goes.

use capstone_platform::{
    Shutdown,
    server::BindError,
    service::{Remedy, Service},
};
use capstone_users::{Application, Settings, StartupError};

/// The users service, built and bound.
#[derive(Debug)]
pub(super) struct UsersService(Application);

impl Service for UsersService {
    const NAME: &'static str = "capstone-users";
    type Settings = Settings;
    type Error = UsersStartupError;

    async fn build(settings: Settings) -> Result<Self, UsersStartupError> {
        Application::build(settings)
            .await
            .map(Self)
            .map_err(UsersStartupError)
    }

    fn port(&self) -> u16 {
        self.0.port()
    }

    async fn run_until_stopped(self, shutdown: Shutdown) -> std::io::Result<()> {
        self.0.run_until_stopped(shutdown).await
    }
}

/// Why the users service could not start.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(super) struct UsersStartupError(StartupError);

impl Remedy for UsersStartupError {
    fn remedy(&self) -> Option<String> {
        match &self.0 {
            StartupError::Config(error) => error.remedy(),
            StartupError::Database(error) => error.remedy().map(|advice| {
                format!(
                    "The users service keeps its accounts in PostgreSQL (DATABASE_URL, default \
                     postgres://postgres:postgres@127.0.0.1:5432/capstone). {advice}"
                )
            }),
            StartupError::Migrations(error) => error.remedy(),
            StartupError::SigningKeys(_) => Some(
                "Each [[users.auth.signing_keys]] entry needs a kid and an Ed25519 PKCS#8 PEM \
                 (make one with `openssl genpkey -algorithm ed25519`), inline or as a file."
                    .into(),
            ),
            StartupError::PasswordHashing(_) => Some(
                "Check [users.auth.argon2] (memory_kib, iterations, parallelism) or remove it \
                 to use the defaults."
                    .into(),
            ),
            StartupError::LinkSecret(_) => Some(
                "Set users.auth.link_secret (CAPSTONE_USERS__AUTH__LINK_SECRET, at least 32 \
                 bytes) and, in production, link_sealing.keys (32 random bytes, base64: \
                 `openssl rand -base64 32`)."
                    .into(),
            ),
            // Once users' startup uses `BindError`, this arm is `error.remedy()`.
            StartupError::Bind { address, source } => BindError {
                address: address.clone(),
                port_setting: "users.http.port",
                source: std::io::Error::from(source.kind()),
            }
            .remedy(),
        }
    }
}
