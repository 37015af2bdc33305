//! TLS to the services we depend on (Postgres, Redis, RabbitMQ, SMTP): the one
//! place that decides which crypto runs and which certificates are trusted.
//!
//! * **rustls with the ring provider**, named in every config we build rather
//!   than taken from a process-wide default: which provider runs then does not
//!   depend on what else is linked in or installed first. (aws-lc-rs, rustls'
//!   default, needs cmake and a long C build; OpenSSL is banned in deny.toml.)
//! * **Roots**: Mozilla's, compiled in (`webpki-roots`), so a laptop and a
//!   minimal container image without `/etc/ssl` trust the same set; plus the
//!   PEM files a setting names. Amazon RDS certificates chain to RDS' own CA
//!   (`global-bundle.pem`), which is not among the public roots.
//!
//! A client builds its config once, when it is created, and shares it with
//! every connection it opens: the roots are parsed once and rustls can resume
//! sessions. Depends on nothing else in this crate but `ConfigError`, to
//! report a wrong CA file by its setting's name. Explained in
//! docs/src/security.md ("TLS to our dependencies").

mod relaxed_verifiers;

use std::{path::Path, sync::Arc};

use rustls::{
    ClientConfig, RootCertStore,
    client::WebPkiServerVerifier,
    crypto::CryptoProvider,
    pki_types::{CertificateDer, pem::PemObject},
};

use crate::ConfigError;

/// Why a TLS client configuration cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A CA file is missing, unreadable, or holds no PEM certificate.
    #[error("{path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("TLS configuration: {0}")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
}

impl TlsError {
    /// The same error as a settings error naming `key`: a CA file that is
    /// wrong is a configuration mistake, reported at startup.
    pub fn for_setting(self, key: &'static str) -> ConfigError {
        ConfigError::Value {
            key,
            expected: "a readable PEM file holding at least one CA certificate",
            found: self.to_string(),
        }
    }
}

/// How much of the server's certificate a connection checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Chains to a trusted root *and* names the host we dialled. The only
    /// mode that stops an active man in the middle; the default everywhere.
    Full,
    /// Chains to a trusted root, whatever name it carries (libpq's
    /// `sslmode=verify-ca`).
    ChainOnly,
    /// None: encrypted against eavesdroppers, not against a man in the
    /// middle (libpq's `sslmode=require` and `prefer`).
    EncryptionOnly,
}

// ANCHOR: client_config
/// A client configuration: ring, TLS 1.2 and 1.3, Mozilla's roots plus those
/// in `extra_ca_file`, checked as `verification` says. No client certificate.
pub fn client_config(
    verification: Verification,
    extra_ca_file: Option<&Path>,
) -> Result<ClientConfig, TlsError> {
    let provider = crypto_provider();
    let roots = Arc::new(root_store(extra_ca_file)?);
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?;
    let config = match verification {
        Verification::Full => builder.with_root_certificates(roots),
        Verification::ChainOnly => {
            let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider).build()?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(relaxed_verifiers::chain_only(verifier))
        }
        Verification::EncryptionOnly => builder
            .dangerous()
            .with_custom_certificate_verifier(relaxed_verifiers::any_certificate(provider)),
    };
    Ok(config.with_no_client_auth())
}

/// ring, the provider every config here uses.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
// ANCHOR_END: client_config

// ANCHOR: roots
/// Mozilla's roots, plus every certificate in `extra_ca_file`.
pub fn root_store(extra_ca_file: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra_ca_file {
        for certificate in CertificateDer::pem_slice_iter(&read_ca_file(path)?) {
            let added = certificate
                .map_err(|error| error.to_string())
                .and_then(|der| roots.add(der).map_err(|error| error.to_string()));
            added.map_err(|reason| TlsError::CaFile {
                path: path.display().to_string(),
                reason,
            })?;
        }
    }
    Ok(roots)
}
// ANCHOR_END: roots

/// The PEM text of a CA file, once it is known to hold at least one
/// certificate (clients that take PEM bytes, like redis-rs, get these).
pub fn read_ca_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    let failed = |reason: String| TlsError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|error| failed(error.to_string()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| failed(format!("not PEM: {error}")))?;
    if certificates.is_empty() {
        return Err(failed("no `BEGIN CERTIFICATE` block in it".into()));
    }
    Ok(pem)
}

/// A CA file must be readable PEM, and set only where TLS is verified: one
/// next to a plain URL means TLS was meant and forgotten (or the file is
/// believed to protect a connection it does not).
pub fn validate_ca_file(
    file: Option<&Path>,
    verified_tls: bool,
    key: &'static str,
    expected_without_tls: &'static str,
) -> Result<(), ConfigError> {
    match file {
        None => Ok(()),
        Some(path) if !verified_tls => Err(ConfigError::Value {
            key,
            expected: expected_without_tls,
            found: path.display().to_string(),
        }),
        Some(path) => read_ca_file(path)
            .map(drop)
            .map_err(|error| error.for_setting(key)),
    }
}

/// Installs ring as the process default, if nothing is installed yet. Only
/// for libraries that build their own config with `ClientConfig::builder()`
/// (redis-rs does): without a default, rustls would pick by crate features
/// and panic if a dependency ever switched aws-lc-rs on as well.
pub fn install_default_provider() {
    // Err means a default is already installed: nothing to do.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_ca_file_is_an_error_naming_the_setting_and_the_path() {
        let path = Path::new("/nonexistent/global-bundle.pem");

        let error = root_store(Some(path)).expect_err("missing file");
        let message = error.for_setting("database.tls_ca_file").to_string();

        assert!(message.contains("database.tls_ca_file"), "{message}");
        assert!(
            message.contains("/nonexistent/global-bundle.pem"),
            "{message}"
        );
    }

    #[test]
    fn a_file_without_certificates_is_rejected() {
        let path = std::env::temp_dir().join(format!("not-a-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "just some text\n").expect("write");

        let error = read_ca_file(&path).expect_err("no certificate");

        std::fs::remove_file(&path).ok();
        assert!(error.to_string().contains("BEGIN CERTIFICATE"), "{error}");
    }

    #[test]
    fn extra_certificates_are_added_to_the_public_roots() {
        let ca = crate::testing::tls::TestCa::new();

        let roots = root_store(Some(&ca.ca_file())).expect("valid CA file");

        assert_eq!(roots.len(), webpki_roots::TLS_SERVER_ROOTS.len() + 1);
    }
}
