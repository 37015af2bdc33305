//! One instance of an upstream: its address and what the balancer knows
//! about it (requests in flight, active health, circuit breaker).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Instant,
};

use url::Url;

use crate::resilience::{BreakerSettings, CircuitBreaker};

#[derive(Debug)]
pub struct Instance {
    /// `http://host:port`, without a trailing slash.
    base: String,
    /// `pool@host:port`: what logs and the access log call it.
    pub name: String,
    in_flight: AtomicUsize,
    /// The last active health check passed (optimistic until the first).
    healthy: AtomicBool,
    /// Passive health: consecutive failures eject the instance.
    pub breaker: CircuitBreaker,
}

impl Instance {
    pub fn new(pool: &str, url: &Url, breaker: &BreakerSettings) -> Self {
        let base = url.as_str().trim_end_matches('/').to_owned();
        let authority = base.trim_start_matches("http://").to_owned();
        let name = format!("{pool}@{authority}");
        Self {
            breaker: CircuitBreaker::new(name.clone(), breaker),
            base,
            name,
            in_flight: AtomicUsize::new(0),
            healthy: AtomicBool::new(true),
        }
    }

    /// The URL for `path` (which may carry a query) on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Records an active health check; true when the state changed.
    pub fn set_healthy(&self, healthy: bool) -> bool {
        self.healthy.swap(healthy, Ordering::Relaxed) != healthy
    }

    /// May take requests now: healthy and not ejected by its breaker.
    pub fn is_available(&self, now: Instant) -> bool {
        self.is_healthy() && self.breaker.is_available(now)
    }

    /// Counts a request in flight until the guard is dropped (which the
    /// proxy does when the response body has been fully passed on).
    pub fn start_request(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            instance: Arc::clone(self),
        }
    }
}

/// One request in flight on an instance; dropping it ends the count.
#[derive(Debug)]
pub struct InFlight {
    instance: Arc<Instance>,
}

impl InFlight {
    pub fn instance(&self) -> &Arc<Instance> {
        &self.instance
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.instance.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
