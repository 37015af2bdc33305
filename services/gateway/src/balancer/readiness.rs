//! The gateway's `/health/ready` view of its upstreams.
//!
//! Optional on purpose: a gateway whose users service is down should still
//! be "ready". It answers that route with fast 503s and serves the others;
//! marking it unready would have the orchestrator pull every gateway out of
//! rotation because of one upstream, turning a partial outage into a total
//! one. The report still says which upstream has no instance.

use std::time::Instant;

use capstone_platform::health::{DependencyCheck, Down};
use futures_util::future::BoxFuture;

use super::Upstreams;

#[derive(Debug, Clone)]
pub struct UpstreamsCheck {
    upstreams: Upstreams,
}

impl UpstreamsCheck {
    pub fn new(upstreams: Upstreams) -> Self {
        Self { upstreams }
    }
}

impl DependencyCheck for UpstreamsCheck {
    fn name(&self) -> &'static str {
        "upstreams"
    }

    fn required(&self) -> bool {
        false
    }

    fn check(&self) -> BoxFuture<'_, Result<(), Down>> {
        let now = Instant::now();
        let without: Vec<String> = self
            .upstreams
            .iter()
            .filter(|upstream| !upstream.has_available_instance(now))
            .map(|upstream| upstream.name.to_string())
            .collect();
        let outcome = if without.is_empty() {
            Ok(())
        } else {
            Err(NoAvailableInstance(without).into())
        };
        Box::pin(std::future::ready(outcome))
    }
}

/// Why the upstreams check failed: these upstreams have no instance that
/// is both up and not ejected.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no available instance: {}", .0.join(", "))]
pub(super) struct NoAvailableInstance(pub(super) Vec<String>);
