//! The gateway's settings: routes, upstream pools, and the edge policies.
//!
//! ```toml
//! [gateway.upstreams.users]
//! instances = ["http://127.0.0.1:8081", "http://127.0.0.1:8082"]
//! strategy = "power_of_two_choices"     # or "round_robin", "consistent_hash"
//! hash_balance_factor = 1.25            # consistent_hash: at most 1.25 × average load
//!
//! [[gateway.routes]]
//! prefix = "/api/v1/users"
//! upstream = "users"
//! protected = true                      # a valid access token is required
//! rate_limit = "api"                    # a class from [gateway.rate_limits]
//! timeout_ms = 5000
//!
//! [gateway.rate_limits.api]
//! requests = 600
//! period_secs = 60
//! burst = 100
//! ```
//!
//! The defaults route the users service's API on one local instance, which
//! is what `capstone up` runs.

use std::collections::BTreeMap;

use capstone_platform::{
    ConfigError,
    canonical_path::CanonicalPath,
    service::ServiceSettings,
    settings::{Environment, HttpSettings, RedisSettings},
    telemetry::TelemetrySettings,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    rate_limit::RateLimitSettings,
    resilience::{BreakerSettings, RetrySettings},
};

mod upstream;

pub use upstream::{HealthCheckSettings, Strategy, UpstreamSettings};

/// Everything the gateway reads. Other services' sections may share the file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Settings {
    pub environment: Environment,
    pub telemetry: TelemetrySettings,
    pub redis: RedisSettings,
    pub gateway: GatewaySettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    pub http: HttpSettings,
    /// Longest wait for one check in `/health/ready`, in ms.
    pub readiness_timeout_ms: u64,
    /// Largest response body passed back to a client, in bytes. (The largest
    /// request body is `http.body_limit_bytes`.)
    pub max_response_body_bytes: u64,
    /// How long to wait for a TCP connection to an upstream, in ms.
    pub connect_timeout_ms: u64,
    /// Upstream pools by name.
    pub upstreams: BTreeMap<String, UpstreamSettings>,
    /// Path prefixes to pools; the longest matching prefix wins.
    pub routes: Vec<RouteSettings>,
    /// Rate-limit classes by name; routes refer to them.
    pub rate_limits: BTreeMap<String, RateLimitSettings>,
    pub auth: EdgeAuthSettings,
    pub retry: RetrySettings,
    pub breaker: BreakerSettings,
}

/// A path prefix and where its requests go.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSettings {
    /// Matched on whole path segments: `/api/v1/users` matches
    /// `/api/v1/users` and `/api/v1/users/42`, not `/api/v1/usersx`.
    pub prefix: String,
    /// The pool (a key of `upstreams`).
    pub upstream: String,
    /// Replaces `prefix` in the path sent upstream (None: path unchanged).
    #[serde(default)]
    pub rewrite_to: Option<String>,
    /// A valid access token is required at the edge.
    #[serde(default)]
    pub protected: bool,
    /// A class of `rate_limits`; None: not rate limited.
    #[serde(default)]
    pub rate_limit: Option<String>,
    /// Longest wait for the upstream's response headers, in ms (504 after).
    #[serde(default = "default_route_timeout_ms")]
    pub timeout_ms: u64,
}

/// Access-token checks at the edge.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EdgeAuthSettings {
    /// The pool that publishes the JWKS (the users service).
    pub jwks_upstream: String,
    pub jwks_path: String,
    /// Expected `iss` and `aud`: the users service's `users.auth` values.
    pub issuer: String,
    pub audience: String,
    /// A token with an unknown `kid` triggers a JWKS refresh at most this
    /// often, so garbage tokens cannot make the gateway hammer the service.
    pub min_refresh_interval_ms: u64,
}

fn default_route_timeout_ms() -> u64 {
    10_000
}

impl Default for GatewaySettings {
    fn default() -> Self {
        let users = UpstreamSettings {
            instances: vec![Url::parse("http://127.0.0.1:8081").expect("a valid literal URL")],
            ..UpstreamSettings::default()
        };
        let route = |prefix: &str, protected: bool, rate_limit: &str| RouteSettings {
            prefix: prefix.into(),
            upstream: "users".into(),
            rewrite_to: None,
            protected,
            rate_limit: Some(rate_limit.into()),
            timeout_ms: default_route_timeout_ms(),
        };
        Self {
            http: HttpSettings {
                // Requests pass through in a stream; this caps what may.
                body_limit_bytes: 1024 * 1024,
                // The edge believes no one's X-Forwarded-For unless told to
                // (nginx's address, in compose): clients could forge it to
                // dodge rate limits.
                trusted_proxies: Vec::new(),
                ..HttpSettings::on_port(8080)
            },
            readiness_timeout_ms: 1_000,
            max_response_body_bytes: 16 * 1024 * 1024,
            connect_timeout_ms: 1_000,
            upstreams: BTreeMap::from([("users".to_owned(), users)]),
            routes: vec![
                // Login and registration: unauthenticated, tighter limits
                // (they are what credential-stuffing bots hit).
                route("/api/v1/auth", false, "auth"),
                route("/api/v1/users", true, "api"),
                route("/.well-known", false, "api"),
                // fork:begin(graphql)
                // One request may ask for many fields: its own class, so
                // its budget can be set apart from REST's.
                route("/graphql", true, "graphql"),
                // fork:end(graphql)
            ],
            rate_limits: BTreeMap::from([
                (
                    "auth".to_owned(),
                    RateLimitSettings {
                        requests: 60,
                        period_secs: 60,
                        burst: 20,
                    },
                ),
                // fork:begin(graphql)
                (
                    "graphql".to_owned(),
                    RateLimitSettings {
                        requests: 120,
                        period_secs: 60,
                        burst: 30,
                    },
                ),
                // fork:end(graphql)
                (
                    "api".to_owned(),
                    RateLimitSettings {
                        requests: 600,
                        period_secs: 60,
                        burst: 100,
                    },
                ),
            ]),
            auth: EdgeAuthSettings::default(),
            retry: RetrySettings::default(),
            breaker: BreakerSettings::default(),
        }
    }
}

impl Default for EdgeAuthSettings {
    fn default() -> Self {
        Self {
            jwks_upstream: "users".into(),
            jwks_path: "/.well-known/jwks.json".into(),
            issuer: "capstone-users".into(),
            audience: "capstone".into(),
            min_refresh_interval_ms: 5_000,
        }
    }
}

impl ServiceSettings for Settings {
    fn environment(&self) -> Environment {
        self.environment
    }

    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }

    /// What types alone cannot check: every reference resolves, every
    /// number makes sense. Errors name the setting to fix.
    fn validate(&self) -> Result<(), ConfigError> {
        let gateway = &self.gateway;
        self.redis.validate()?;
        gateway.http.validate("gateway.http.cors_allowed_origins")?;
        let invalid = |key: &'static str, expected: &'static str, found: String| {
            Err(ConfigError::Value {
                key,
                expected,
                found,
            })
        };
        for (name, upstream) in &gateway.upstreams {
            if upstream.instances.is_empty() {
                return invalid(
                    "gateway.upstreams.<name>.instances",
                    "at least one instance URL",
                    format!("none for `{name}`"),
                );
            }
            if !upstream.openapi_path.is_empty() && !is_canonical(&upstream.openapi_path) {
                return invalid(
                    "gateway.upstreams.<name>.openapi_path",
                    "a canonical path starting with `/` (or empty: none)",
                    format!("`{}` in `{name}`", upstream.openapi_path),
                );
            }
            // At 1.0 no instance may go above the exact average: users would
            // spill to other instances at almost every request, and affinity,
            // the point of the strategy, would be gone (the paper's bounds on
            // movement need c > 1).
            if !(upstream.hash_balance_factor > 1.0 && upstream.hash_balance_factor.is_finite()) {
                return invalid(
                    "gateway.upstreams.<name>.hash_balance_factor",
                    "a number greater than 1.0",
                    format!("{} in `{name}`", upstream.hash_balance_factor),
                );
            }
            if let Some(url) = upstream
                .instances
                .iter()
                .find(|url| url.scheme() != "http" || url.host_str().is_none() || url.path() != "/")
            {
                return invalid(
                    "gateway.upstreams.<name>.instances",
                    "http://host:port URLs",
                    format!("`{url}` in `{name}`"),
                );
            }
        }
        for route in &gateway.routes {
            if !is_canonical(&route.prefix)
                || (route.prefix.len() > 1 && route.prefix.ends_with('/'))
            {
                return invalid(
                    "gateway.routes.prefix",
                    "a canonical path starting with `/`, without a trailing `/`",
                    route.prefix.clone(),
                );
            }
            // Requests are routed on canonical paths and the result must stay
            // one: a rewrite target is held to the same rule.
            if let Some(target) = route.rewrite_to.as_deref().filter(|t| !is_canonical(t)) {
                return invalid(
                    "gateway.routes.rewrite_to",
                    "a canonical path starting with `/`",
                    target.to_owned(),
                );
            }
            if !gateway.upstreams.contains_key(&route.upstream) {
                return invalid(
                    "gateway.routes.upstream",
                    "the name of a [gateway.upstreams.<name>] pool",
                    format!("`{}` (route {})", route.upstream, route.prefix),
                );
            }
            if let Some(class) = &route.rate_limit
                && !gateway.rate_limits.contains_key(class)
            {
                return invalid(
                    "gateway.routes.rate_limit",
                    "the name of a [gateway.rate_limits.<class>]",
                    format!("`{class}` (route {})", route.prefix),
                );
            }
            if route.timeout_ms == 0 {
                return invalid(
                    "gateway.routes.timeout_ms",
                    "a positive number of milliseconds",
                    format!("0 (route {})", route.prefix),
                );
            }
        }
        for (class, limit) in &gateway.rate_limits {
            if let Err(reason) = limit.validate(class) {
                return invalid(
                    "gateway.rate_limits",
                    "positive requests, period_secs and burst",
                    reason.to_string(),
                );
            }
        }
        if let Err(reason) = gateway.breaker.validate() {
            return invalid(
                "gateway.breaker",
                "a positive failure_threshold and open_ms",
                reason.to_string(),
            );
        }
        if let Err(reason) = gateway.retry.validate() {
            return invalid(
                "gateway.retry",
                "retry settings within range",
                reason.to_string(),
            );
        }
        if gateway.routes.iter().any(|route| route.protected)
            && !gateway.upstreams.contains_key(&gateway.auth.jwks_upstream)
        {
            return invalid(
                "gateway.auth.jwks_upstream",
                "the pool that serves the JWKS (protected routes need it)",
                gateway.auth.jwks_upstream.clone(),
            );
        }
        Ok(())
    }
}

/// `path` is already in the form requests are routed on.
fn is_canonical(path: &str) -> bool {
    CanonicalPath::parse(path).is_ok_and(|canonical| canonical.as_str() == path)
}

#[cfg(test)]
mod tests;
