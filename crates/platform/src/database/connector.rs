//! How one Postgres connection is opened: in plain text, exactly as
//! diesel-async does by itself, or over TLS when the URL's standard `sslmode`
//! parameter asks for it. The pool, one-off connections and migrations all
//! open theirs here, so they agree.
//!
//! | `sslmode` | TLS | the server's certificate |
//! |---|---|---|
//! | absent (the default URLs) | no, as before TLS was supported | – |
//! | `disable` | no | – |
//! | `prefer` | if the server offers it | not checked |
//! | `require` | yes | not checked: encrypted, but anyone can pose as the server |
//! | `verify-ca` | yes | chains to a trusted root |
//! | `verify-full` | yes | chains to a trusted root *and* names the host in the URL |
//!
//! These are libpq's meanings, except that without `sslmode` libpq would
//! `prefer` TLS, and that libpq's `require` turns into `verify-ca` when a root
//! file exists; here `require` never checks, and `database.tls_ca_file`
//! (roots besides Mozilla's, see `platform::tls`) is accepted only with the
//! two `verify-*` modes. Production uses `verify-full`.

use diesel::{ConnectionError, ConnectionResult};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use tokio_postgres_rustls::MakeRustlsConnect;
use url::Url;

use crate::{
    ConfigError,
    error_chain::with_causes,
    settings::DatabaseSettings,
    tls::{self, Verification, validate_ca_file},
};

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// The URL's `sslmode`, `None` when it has none.
    pub fn from_url(url: &Url) -> Result<Option<Self>, ConfigError> {
        let Some((_, value)) = url.query_pairs().find(|(key, _)| key == "sslmode") else {
            return Ok(None);
        };
        let mode = match value.as_ref() {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(ConfigError::Value {
                    key: "database.url",
                    expected: "an sslmode of disable, prefer, require, verify-ca or verify-full",
                    found: format!("sslmode={other}"),
                });
            }
        };
        Ok(Some(mode))
    }

    /// How much of the certificate is checked; `None`: no TLS at all.
    fn verification(self) -> Option<Verification> {
        match self {
            Self::Disable => None,
            Self::Prefer | Self::Require => Some(Verification::EncryptionOnly),
            Self::VerifyCa => Some(Verification::ChainOnly),
            Self::VerifyFull => Some(Verification::Full),
        }
    }

    /// What tokio-postgres is told. It knows `disable`, `prefer` and
    /// `require` only: for the `verify-*` modes it must insist on TLS, and
    /// our rustls config does the checking.
    fn driver_value(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require | Self::VerifyCa | Self::VerifyFull => "require",
        }
    }
}

// ANCHOR: pg_connector
/// Opens connections the way the settings say. Built once per pool (or
/// one-off connection) and cheap to clone: clones share the TLS config.
#[derive(Clone)]
pub struct PgConnector {
    /// `None`: plain, through diesel-async's own `establish`.
    tls: Option<(SslMode, MakeRustlsConnect)>,
}

impl PgConnector {
    /// Reads `sslmode` from the URL and, for TLS, builds the client config
    /// (reading `database.tls_ca_file`): errors name the key to fix.
    pub fn new(settings: &DatabaseSettings) -> Result<Self, ConfigError> {
        let mode = SslMode::from_url(&settings.parsed_url()?)?;
        let verification = mode.and_then(SslMode::verification);
        let verifies = matches!(
            verification,
            Some(Verification::Full | Verification::ChainOnly)
        );
        let ca_file = settings.tls_ca_file.as_deref();
        validate_ca_file(
            ca_file,
            verifies,
            "database.tls_ca_file",
            "unset unless database.url has sslmode=verify-ca or verify-full",
        )?;
        let tls = match (mode, verification) {
            (Some(mode), Some(verification)) => {
                let config = tls::client_config(verification, ca_file)
                    .map_err(|error| error.for_setting("database.tls_ca_file"))?;
                Some((mode, MakeRustlsConnect::new(config)))
            }
            _ => None,
        };
        Ok(Self { tls })
    }

    /// Opens a connection to `url` (the configured database, or another on
    /// the same server): its `sslmode` is replaced by this connector's.
    pub async fn establish(&self, url: &str) -> ConnectionResult<AsyncPgConnection> {
        let Some((mode, tls)) = &self.tls else {
            return AsyncPgConnection::establish(url).await;
        };
        // Boxed: tokio-postgres' connect future is large, and callers'
        // futures would otherwise carry it inline next to the plain one.
        Box::pin(establish_tls(url, *mode, tls.clone())).await
    }
}
// ANCHOR_END: pg_connector

async fn establish_tls(
    url: &str,
    mode: SslMode,
    tls: MakeRustlsConnect,
) -> ConnectionResult<AsyncPgConnection> {
    let config = driver_url(url, mode)?
        .parse::<tokio_postgres::Config>()
        .map_err(|error| ConnectionError::InvalidConnectionUrl(error.to_string()))?;
    let (client, connection) = config
        .connect(tls)
        .await
        // tokio-postgres' message is only the outermost layer ("error
        // performing TLS handshake"); the reason is in its causes.
        .map_err(|error| ConnectionError::BadConnection(with_causes(&error)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

impl std::fmt::Debug for PgConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnector")
            .field("ssl_mode", &self.tls.as_ref().map(|(mode, _)| mode))
            .finish()
    }
}

/// `url` with `sslmode` set to what tokio-postgres understands.
fn driver_url(url: &str, mode: SslMode) -> ConnectionResult<String> {
    let mut parsed = Url::parse(url)
        .map_err(|error| ConnectionError::InvalidConnectionUrl(error.to_string()))?;
    let others: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| key != "sslmode")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(others)
        .append_pair("sslmode", mode.driver_value());
    Ok(parsed.into())
}

#[cfg(test)]
mod live_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> DatabaseSettings {
        DatabaseSettings {
            url: url.into(),
            ..DatabaseSettings::default()
        }
    }

    #[test]
    fn verify_modes_reach_the_driver_as_require_and_other_parameters_stay() {
        let url = "postgres://u:p@db.example.com/app?application_name=x&sslmode=verify-full";

        let rewritten = driver_url(url, SslMode::VerifyFull).expect("valid URL");

        assert_eq!(
            rewritten,
            "postgres://u:p@db.example.com/app?application_name=x&sslmode=require"
        );
        rewritten
            .parse::<tokio_postgres::Config>()
            .expect("tokio-postgres accepts it");
    }

    #[test]
    fn an_unknown_sslmode_is_a_configuration_error_naming_the_url() {
        let error = PgConnector::new(&settings("postgres://db/app?sslmode=verify"))
            .expect_err("unknown mode")
            .to_string();

        assert!(error.contains("database.url"), "{error}");
        assert!(error.contains("sslmode=verify"), "{error}");
    }

    #[test]
    fn a_ca_file_without_a_verifying_sslmode_is_rejected() {
        for url in ["postgres://db/app", "postgres://db/app?sslmode=require"] {
            let error = PgConnector::new(&DatabaseSettings {
                tls_ca_file: Some("/etc/ssl/certs/ssl-cert-snakeoil.pem".into()),
                ..settings(url)
            })
            .expect_err("CA file without verification")
            .to_string();

            assert!(error.contains("database.tls_ca_file"), "{url}: {error}");
        }
    }

    #[test]
    fn a_missing_ca_file_is_rejected_with_its_key() {
        let error = DatabaseSettings {
            tls_ca_file: Some("/nonexistent/global-bundle.pem".into()),
            ..settings("postgres://db/app?sslmode=verify-full")
        }
        .validate()
        .expect_err("missing file")
        .to_string();

        assert!(error.contains("database.tls_ca_file"), "{error}");
        assert!(error.contains("/nonexistent/global-bundle.pem"), "{error}");
    }

    #[test]
    fn urls_without_sslmode_stay_plain() {
        let connector = PgConnector::new(&DatabaseSettings::default()).expect("valid");

        assert!(connector.tls.is_none());
    }
}
