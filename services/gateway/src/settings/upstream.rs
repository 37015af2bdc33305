//! An upstream pool's settings: its instances, how one is chosen, and how
//! each is health-checked.

use serde::{Deserialize, Serialize};
use url::Url;

/// One upstream service, served by one or more instances.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamSettings {
    /// Base URLs, one per instance (`http://host:port`).
    pub instances: Vec<Url>,
    pub strategy: Strategy,
    /// For `consistent_hash`: an instance takes at most this many times the
    /// average requests in flight; above it, its users spill clockwise onto
    /// the next instance. Lower is more even and moves more users.
    pub hash_balance_factor: f64,
    /// Active health checks (`GET <path>` on every instance).
    pub health_check: HealthCheckSettings,
    /// Where the service serves its OpenAPI document, listed in the gateway's
    /// `/docs`. Every Capstone service uses the default; empty: no API docs.
    pub openapi_path: String,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            instances: Vec::new(),
            strategy: Strategy::default(),
            hash_balance_factor: 1.25,
            health_check: HealthCheckSettings::default(),
            openapi_path: "/api-docs/openapi.json".into(),
        }
    }
}

/// How an instance is chosen for each request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Two random instances, the one with fewer requests in flight.
    #[default]
    PowerOfTwoChoices,
    /// Each instance in turn.
    RoundRobin,
    /// By the authenticated user, on a hash ring with bounded loads: a user
    /// keeps their instance (and its cache) while it is available. Requests
    /// without a user fall back to power of two choices.
    ConsistentHash,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthCheckSettings {
    pub path: String,
    pub interval_ms: u64,
    pub timeout_ms: u64,
}

impl Default for HealthCheckSettings {
    fn default() -> Self {
        Self {
            path: "/health/ready".into(),
            interval_ms: 2_000,
            timeout_ms: 1_000,
        }
    }
}
