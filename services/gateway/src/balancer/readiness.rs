//! The gateway's `/health/ready` view of its upstreams.
//!
//! Optional on purpose: a gateway whose users service is down should still
//! be "ready". It answers that route with fast 503s and serves the others;
//! marking it unready would have the orchestrator pull every gateway out of
//! rotation because of one upstream, turning a partial outage into a total
//! one. The report still says which upstream has no instance.

use std::time::Instant;

use capstone_platform::health::DependencyCheck;
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

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let now = Instant::now();
        let down: Vec<&str> = self
            .upstreams
            .iter()
            .filter(|upstream| !upstream.has_available_instance(now))
            .map(|upstream| &*upstream.name)
            .collect();
        let outcome = if down.is_empty() {
            Ok(())
        } else {
            Err(format!("no available instance: {}", down.join(", ")))
        };
        Box::pin(std::future::ready(outcome))
    }
}
