//! The redis-rs client for a `[redis]` section: plain for `redis://`, TLS for
//! `rediss://` (ElastiCache with transit encryption), certificate verified.
//!
//! redis-rs builds its own rustls config, so ours (`platform::tls`) cannot be
//! handed over; what it trusts is set through its certificate API instead:
//!
//! * no `redis.tls_ca_file`: Mozilla's roots (feature `tls-rustls-webpki-roots`),
//!   the same set as our own configs. ElastiCache's certificates chain to
//!   Amazon's public roots, so production needs nothing more.
//! * `redis.tls_ca_file`: the CA certificates in that file *only*
//!   (`TlsCertificates::root_cert` replaces the root set).
//!
//! Its `ClientConfig::builder()` takes rustls' process-default provider, so
//! ring is installed as that default first (`tls::install_default_provider`).

use redis::{ErrorKind, RedisError, RedisResult, TlsCertificates};
use secrecy::ExposeSecret;

use crate::{settings::RedisSettings, tls};

// ANCHOR: build_client
/// A client for `settings.url`, trusting what the module docs say. Connects
/// nothing yet.
pub fn build_client(settings: &RedisSettings) -> RedisResult<redis::Client> {
    let url = settings.url.expose_secret();
    match trusted_certificates(settings)? {
        None => redis::Client::open(url),
        Some(certificates) => redis::Client::build_with_tls(url, certificates),
    }
}
// ANCHOR_END: build_client

/// The roots to trust instead of Mozilla's, when `redis.tls_ca_file` names
/// some (the cluster client takes them too). Installs rustls' provider for
/// a `rediss://` URL either way.
pub(super) fn trusted_certificates(
    settings: &RedisSettings,
) -> RedisResult<Option<TlsCertificates>> {
    if settings.url.expose_secret().starts_with("rediss:") {
        tls::install_default_provider();
    }
    let Some(ca_file) = &settings.tls_ca_file else {
        return Ok(None);
    };
    let root_cert = tls::read_ca_file(ca_file).map_err(|error| {
        RedisError::from((
            ErrorKind::InvalidClientConfig,
            "redis.tls_ca_file",
            error.to_string(),
        ))
    })?;
    Ok(Some(TlsCertificates {
        client_tls: None,
        root_cert: Some(root_cert),
    }))
}

#[cfg(test)]
mod tls_tests;
