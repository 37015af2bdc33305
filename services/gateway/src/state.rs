//! The state every request handler shares ([`Gateway`]: routes, pools,
//! limiter, policies), built once from the settings, and the HTTP client
//! that calls upstreams.

use std::{sync::Arc, time::Duration};

use capstone_platform::{redis::LazyRedis, trusted_proxy::TrustedProxy};

use crate::{
    balancer::Upstreams, edge_auth::Jwks, metrics::GatewayMetrics, proxy::forward::RetryPolicy,
    rate_limit::RateLimiter, routing::RouteTable, settings::GatewaySettings,
};

#[derive(Debug)]
pub struct Gateway {
    pub routes: RouteTable,
    pub upstreams: Upstreams,
    /// The users service's keys; None when no route is protected.
    pub jwks: Option<Arc<Jwks>>,
    pub limiter: RateLimiter,
    /// Proxies in front of the gateway whose forwarding headers stand.
    pub trusted_proxies: Vec<TrustedProxy>,
    pub request_body_limit: usize,
    /// Bodies up to this size are read whole, to be sent again if need be.
    pub max_resendable_body_bytes: u64,
    pub response_body_limit: u64,
    pub retry: RetryPolicy,
    /// This instance's registry (`/metrics`).
    pub metrics: GatewayMetrics,
}

impl Gateway {
    pub fn new(settings: &GatewaySettings, redis: LazyRedis) -> Self {
        let upstreams = Upstreams::new(&settings.upstreams, &settings.breaker, &settings.retry);
        let any_protected = settings.routes.iter().any(|route| route.protected);
        let jwks = upstreams
            .get(&settings.auth.jwks_upstream)
            .filter(|_| any_protected)
            .map(|upstream| Arc::new(Jwks::new(Arc::clone(upstream), settings.auth.clone())));
        Self {
            routes: RouteTable::new(&settings.routes),
            upstreams,
            jwks,
            limiter: RateLimiter::new(redis, settings.rate_limits.clone()),
            trusted_proxies: settings.http.trusted_proxies.clone(),
            request_body_limit: settings.http.body_limit_bytes,
            max_resendable_body_bytes: settings.retry.max_resendable_body_bytes,
            response_body_limit: settings.max_response_body_bytes,
            retry: RetryPolicy {
                max_retries: settings.retry.max_retries,
                backoff: settings.retry.backoff(),
            },
            metrics: GatewayMetrics::new(),
        }
    }
}

/// The HTTP client for upstream calls: pooled keep-alive connections (a new
/// TCP handshake per request would cost more than the proxying itself), no
/// redirects followed (they are the client's to follow), no proxy from the
/// environment.
pub fn upstream_client(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        // Below the upstreams' keep-alive timeout (actix-web's 5 s): the
        // gateway drops an idle connection before the upstream closes it, so
        // no request is written into a connection closing under it (which a
        // PATCH could not be retried after: it may have been received).
        .pool_idle_timeout(Duration::from_secs(4))
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        // Only fails when the TLS backend or resolver cannot initialise;
        // with neither configured, it cannot.
        .unwrap_or_else(|_| reqwest::Client::new())
}
