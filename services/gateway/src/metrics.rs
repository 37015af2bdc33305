//! The gateway's metrics: its names (the only place they are spelled),
//! their help texts, [`GatewayMetrics`] (what it counts, into its own
//! registry) and the exporter with the gateway's samplers. The
//! shared names (HTTP, Redis) are `capstone_platform::metrics::names`.
//! Explained in docs/src/monitoring.md.

use std::time::Instant;

use capstone_platform::{
    metrics::{MetricsExporter, Registry, Sample, Sampler, dependencies::RedisSampler},
    redis::LazyRedis,
};
use futures_util::future::BoxFuture;
use metrics::{counter, describe_counter, describe_gauge};

use crate::{
    balancer::Upstreams,
    rate_limit::{Decision, EnforcedBy},
    resilience::BreakerState,
};

/// The `service` label of every series this service exports.
pub const SERVICE: &str = "gateway";

/// Rate-limit verdicts, by `class`, `decision` (`allowed`, `limited`) and
/// `enforced_by` (`redis`, or `local` while Redis is away).
pub const RATE_LIMIT_DECISIONS_TOTAL: &str = "capstone_gateway_rate_limit_decisions_total";
/// Attempts re-sent to another instance, by `upstream`.
pub const UPSTREAM_RETRIES_TOTAL: &str = "capstone_gateway_upstream_retries_total";
/// 1 for the state each instance's circuit breaker is in, 0 for the other
/// two, by `upstream`, `instance` and `state` (`closed`, `open`, `half_open`).
pub const BREAKER_STATE: &str = "capstone_gateway_breaker_state";
/// 1 while an instance passes its active health checks, by `upstream`, `instance`.
pub const UPSTREAM_HEALTHY: &str = "capstone_gateway_upstream_healthy";
/// Requests on their way to or from an instance now, by `upstream`, `instance`.
pub const UPSTREAM_IN_FLIGHT_REQUESTS: &str = "capstone_gateway_upstream_in_flight_requests";

/// Every name above, for tests that check dashboards against them.
pub const NAMES: &[&str] = &[
    RATE_LIMIT_DECISIONS_TOTAL,
    UPSTREAM_RETRIES_TOTAL,
    BREAKER_STATE,
    UPSTREAM_HEALTHY,
    UPSTREAM_IN_FLIGHT_REQUESTS,
];

fn describe() {
    describe_counter!(
        RATE_LIMIT_DECISIONS_TOTAL,
        "Rate-limit decisions, by route class, decision (allowed, limited) and enforcer (redis, local)."
    );
    describe_counter!(
        UPSTREAM_RETRIES_TOTAL,
        "Requests re-sent to another instance of an upstream after a failed attempt."
    );
    describe_gauge!(
        BREAKER_STATE,
        "1 for the state (closed, open, half_open) an instance's circuit breaker is in, else 0."
    );
    describe_gauge!(
        UPSTREAM_HEALTHY,
        "1 while an upstream instance passes its active health checks, else 0."
    );
    describe_gauge!(
        UPSTREAM_IN_FLIGHT_REQUESTS,
        "Requests in flight to an upstream instance."
    );
}

/// The gateway's `/metrics`: Redis and every upstream instance's state.
pub fn exporter(
    metrics: &GatewayMetrics,
    redis: &LazyRedis,
    upstreams: &Upstreams,
) -> MetricsExporter {
    MetricsExporter::new(metrics.registry.clone())
        .with_sampler(RedisSampler(redis.clone()))
        .with_sampler(UpstreamsSampler(upstreams.clone()))
}

/// What the gateway counts, into the registry of this instance. Cheap to
/// clone: clones share the registry.
#[derive(Debug, Clone)]
pub struct GatewayMetrics {
    registry: Registry,
}

impl GatewayMetrics {
    /// A new registry, with every name described.
    pub fn new() -> Self {
        Self {
            registry: Registry::new(SERVICE, describe),
        }
    }

    /// The registry, for the request middleware and the exporter.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn rate_limit_decision(&self, class: &str, decision: &Decision) {
        let verdict = if decision.allowed {
            "allowed"
        } else {
            "limited"
        };
        let enforced_by = match decision.enforced_by {
            EnforcedBy::Redis => "redis",
            EnforcedBy::Local => "local",
        };
        self.registry.record(|| {
            counter!(
                RATE_LIMIT_DECISIONS_TOTAL,
                "class" => class.to_owned(),
                "decision" => verdict,
                "enforced_by" => enforced_by,
            )
            .increment(1);
        });
    }

    pub fn upstream_retry(&self, upstream: &str) {
        self.registry.record(|| {
            counter!(UPSTREAM_RETRIES_TOTAL, "upstream" => upstream.to_owned()).increment(1);
        });
    }
}

impl Default for GatewayMetrics {
    fn default() -> Self {
        Self::new()
    }
}

// ANCHOR: upstreams_sampler
/// Every instance's breaker state (one-hot: a `state` label per state, so a
/// dashboard can sum `open` across instances), active health and requests
/// in flight. All in memory: sampling costs no I/O.
struct UpstreamsSampler(Upstreams);

impl Sampler for UpstreamsSampler {
    fn sample(&self) -> BoxFuture<'_, Vec<Sample>> {
        let now = Instant::now();
        let mut samples = Vec::new();
        for upstream in self.0.iter() {
            for instance in &upstream.instances {
                let labelled = |sample: Sample| {
                    sample
                        .label("upstream", upstream.name.as_ref())
                        .label("instance", instance.name.as_str())
                };
                let current = instance.breaker.state(now);
                for (state, label) in [
                    (BreakerState::Closed, "closed"),
                    (BreakerState::Open, "open"),
                    (BreakerState::HalfOpen, "half_open"),
                ] {
                    let sample = Sample::flag(BREAKER_STATE, current == state);
                    samples.push(labelled(sample).label("state", label));
                }
                samples.push(labelled(Sample::flag(
                    UPSTREAM_HEALTHY,
                    instance.is_healthy(),
                )));
                let in_flight = instance.in_flight() as f64;
                samples.push(labelled(Sample::new(
                    UPSTREAM_IN_FLIGHT_REQUESTS,
                    in_flight,
                )));
            }
        }
        Box::pin(std::future::ready(samples))
    }
}
// ANCHOR_END: upstreams_sampler
