//! `HttpSettings`: where and how each service's HTTP server listens. Every
//! service has one (`users.http`, `gateway.http`, `worker.http`).

use serde::{Deserialize, Serialize};
use url::Url;

use crate::ConfigError;

/// Where and how an HTTP server listens.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Interface to bind; `0.0.0.0` in containers, loopback on a laptop.
    pub host: String,
    /// Port to bind; 0 lets the OS choose (tests do this).
    pub port: u16,
    /// Worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Largest request body accepted, in bytes. Larger bodies get 413.
    pub body_limit_bytes: usize,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub shutdown_timeout_secs: u64,
    /// How long the server keeps serving after shutdown starts, with
    /// `/health/ready` at 503, before it closes its listener: the time a
    /// balancer needs to notice (see `platform::drain`). 0: close at once.
    /// Only services run with `server::run_until_drained` (users) wait.
    pub drain_grace_ms: u64,
    /// Web origins (`https://app.example.com`) whose pages may call this API
    /// from a browser. Empty: none besides the API's own origin.
    pub cors_allowed_origins: Vec<String>,
    /// Proxies (the gateway, nginx) whose `X-Forwarded-For` is believed when
    /// they are the TCP peer; see `client_address`. Addresses or CIDR
    /// networks (`10.244.0.0/16`). Loopback by default: on one machine the
    /// gateway is a local process.
    pub trusted_proxies: Vec<crate::trusted_proxy::TrustedProxy>,
}

impl HttpSettings {
    /// Defaults for a service that listens on `port`.
    pub fn on_port(port: u16) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port,
            workers: 0,
            body_limit_bytes: 16 * 1024,
            shutdown_timeout_secs: 10,
            drain_grace_ms: 0,
            cors_allowed_origins: Vec::new(),
            trusted_proxies: vec![
                std::net::IpAddr::from([127, 0, 0, 1]).into(),
                std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST).into(),
            ],
        }
    }

    /// `host:port`, as configured (port 0 stays 0).
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Checks what would otherwise fail later, at the first request.
    pub fn validate(&self, section: &'static str) -> Result<(), ConfigError> {
        for origin in &self.cors_allowed_origins {
            let parsed = Url::parse(origin).ok();
            let is_bare_origin = parsed.as_ref().is_some_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some()
                    && url.path() == "/"
                    && !origin.ends_with('/')
            });
            if !is_bare_origin {
                return Err(ConfigError::Value {
                    key: section,
                    expected: "origins like https://app.example.com (scheme, host, optional port; no path)",
                    found: origin.clone(),
                });
            }
        }
        Ok(())
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self::on_port(8080)
    }
}
