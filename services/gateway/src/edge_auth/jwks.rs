//! The users service's public keys, fetched and kept fresh.
//!
//! The gateway verifies tokens itself (no call per request) with the keys
//! the users service publishes at `/.well-known/jwks.json`. Keys rotate, so
//! the set is re-fetched on a schedule, and at once when a token names a key
//! we have not seen (a new key started signing). That second path is open to
//! anyone who can send a token, hence `min_refresh_interval_ms`.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use capstone_platform::{Shutdown, access_token::TokenVerifier};
use jsonwebtoken::jwk::JwkSet;

use crate::{balancer::Upstream, settings::EdgeAuthSettings};

/// How often the key set is re-fetched when nothing asks for it sooner:
/// retired keys stop verifying within this long.
const SCHEDULED_REFRESH: Duration = Duration::from_secs(300);

/// Why no key set could be had.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("no instance of `{0}` is available to serve the key set")]
    NoInstance(String),
    #[error("fetching the key set failed: {0}")]
    Fetch(#[from] reqwest::Error),
    #[error("the key set is unusable: {0}")]
    Invalid(String),
}

#[derive(Debug)]
pub struct Jwks {
    upstream: Arc<Upstream>,
    settings: EdgeAuthSettings,
    verifier: RwLock<Option<Arc<TokenVerifier>>>,
    /// One fetch at a time; also when the last one started.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

impl Jwks {
    pub fn new(upstream: Arc<Upstream>, settings: EdgeAuthSettings) -> Self {
        Self {
            upstream,
            settings,
            verifier: RwLock::new(None),
            last_fetch: tokio::sync::Mutex::new(None),
        }
    }

    /// The verifier for the newest key set we have, if any.
    pub fn current(&self) -> Option<Arc<TokenVerifier>> {
        self.verifier
            .read()
            .ok()
            .and_then(|verifier| verifier.clone())
    }

    /// Re-fetches unless a fetch started less than the minimum interval
    /// ago; returns the (possibly unchanged) current verifier. Concurrent
    /// callers wait for one fetch rather than each starting their own.
    pub async fn refresh(&self, client: &reqwest::Client) -> Result<Arc<TokenVerifier>, JwksError> {
        let mut last_fetch = self.last_fetch.lock().await;
        let min_interval = Duration::from_millis(self.settings.min_refresh_interval_ms);
        if let (Some(started), Some(current)) = (*last_fetch, self.current())
            && started.elapsed() < min_interval
        {
            return Ok(current);
        }
        *last_fetch = Some(Instant::now());
        let verifier = Arc::new(self.fetch(client).await?);
        if let Ok(mut slot) = self.verifier.write() {
            *slot = Some(Arc::clone(&verifier));
        }
        tracing::info!(kids = ?verifier.key_ids().collect::<Vec<_>>(), "fetched the JWKS");
        Ok(verifier)
    }

    async fn fetch(&self, client: &reqwest::Client) -> Result<TokenVerifier, JwksError> {
        let (_, picked) = self
            .upstream
            // No user behind a key fetch: any instance will do.
            .pick(&[], None, Instant::now())
            .map_err(|_| JwksError::NoInstance(self.upstream.name.to_string()))?;
        let url = picked.instance().url(&self.settings.jwks_path);
        let outcome = async {
            let response = client
                .get(url)
                .timeout(Duration::from_secs(2))
                .send()
                .await?;
            response.error_for_status()?.json::<JwkSet>().await
        }
        .await;
        // The breaker hears about this fetch like any other request.
        match &outcome {
            Ok(_) => picked.instance().breaker.record_success(Instant::now()),
            Err(_) => picked.instance().breaker.record_failure(Instant::now()),
        }
        let jwks = outcome?;
        TokenVerifier::from_jwks(&jwks, &self.settings.issuer, &self.settings.audience)
            .map_err(|error| JwksError::Invalid(error.to_string()))
    }

    /// Fetches at startup (retrying until the users service answers), then
    /// on a schedule; stops with `shutdown`.
    pub fn spawn_refresher(self: &Arc<Self>, client: reqwest::Client, shutdown: Shutdown) {
        let jwks = Arc::clone(self);
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(200);
            loop {
                let wait = match jwks.refresh(&client).await {
                    Ok(_) => SCHEDULED_REFRESH,
                    Err(error) => {
                        tracing::warn!(%error, retry_in_ms = delay.as_millis(), "JWKS not available yet");
                        delay = (delay * 2).min(Duration::from_secs(5));
                        delay
                    }
                };
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = shutdown.triggered() => return,
                }
            }
        });
    }
}
