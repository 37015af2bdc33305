//! Certificates for TLS tests: a throwaway CA and a certificate for
//! `localhost` that it signed, as files (for servers started as processes,
//! and for the `*.tls_ca_file` settings) and as a rustls server config (for
//! servers in the test itself).
//!
//! A CA and a leaf, rather than one self-signed certificate, because that is
//! the shape of every real deployment (RDS, ElastiCache, Amazon MQ): the
//! client trusts the CA, the server presents the leaf.

use std::{path::PathBuf, sync::Arc};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::{
    ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};
/// What test servers accept TLS with ([`TestCa::acceptor`]), re-exported so
/// that services' tests need no tokio-rustls of their own.
pub use tokio_rustls::TlsAcceptor;

/// The name the server certificate is valid for.
pub const SERVER_NAME: &str = "localhost";

/// A CA, a `localhost` certificate it signed, and the files holding them.
/// Dropping it deletes the files.
#[derive(Debug)]
pub struct TestCa {
    directory: PathBuf,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl TestCa {
    /// Generates both certificates (ECDSA P-256) and writes `ca.pem`,
    /// `server.pem` and `server.key` to a fresh temporary directory.
    pub fn new() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Capstone test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");

        let server_key = KeyPair::generate().expect("server key");
        let server = CertificateParams::new(vec![SERVER_NAME.to_owned()])
            .expect("server params")
            .signed_by(&server_key, &ca)
            .expect("server certificate");

        let directory =
            std::env::temp_dir().join(format!("capstone-test-ca-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&directory).expect("a temporary directory");
        let write = |name: &str, contents: String| {
            std::fs::write(directory.join(name), contents).expect("write a certificate file");
        };
        write("ca.pem", ca.pem());
        write("server.pem", server.pem());
        write("server.key", server_key.serialize_pem());
        Self {
            directory,
            server_chain: vec![server.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// The CA certificate, PEM: what a client is told to trust.
    pub fn ca_file(&self) -> PathBuf {
        self.directory.join("ca.pem")
    }

    /// The server certificate, PEM (`redis-server --tls-cert-file`).
    pub fn server_certificate_file(&self) -> PathBuf {
        self.directory.join("server.pem")
    }

    /// The server's private key, PEM (`redis-server --tls-key-file`).
    pub fn server_key_file(&self) -> PathBuf {
        self.directory.join("server.key")
    }

    /// A rustls server config presenting the `localhost` certificate.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let config = ServerConfig::builder_with_provider(crate::tls::crypto_provider())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(self.server_chain.clone(), key)
            .expect("a valid certificate and key");
        Arc::new(config)
    }

    /// Accepts TLS connections as `localhost` (a test server's handshake).
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.server_config())
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
