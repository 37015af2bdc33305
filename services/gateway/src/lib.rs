//! # capstone-gateway
//!
//! The system's front door: every client request comes through here.
//!
//! | module | role |
//! |---|---|
//! | [`settings`] | routes, upstream pools, limits: what config can change |
//! | [`startup`] | `Application::build` → bound server → `run_until_stopped`; the gateway as a platform `Service` |
//! | [`state`] | the state handlers share (`Gateway`), and the upstream HTTP client |
//! | [`metrics`] | its Prometheus names and `/metrics` samplers (rate limits, retries, breakers) |
//! | [`routing`] | path prefix → upstream pool, with path rewriting |
//! | [`proxy`] | the request pipeline: route, authenticate, limit, forward, relay |
//! | [`balancer`] | instances per upstream: power of two choices / round robin / consistent hashing, health checks |
//! | [`resilience`] | circuit breaker, backoff with jitter, retry budget |
//! | [`edge_auth`] | access tokens checked at the edge with the users service's JWKS |
//! | [`rate_limit`] | GCRA in Redis (one Lua script), local fallback |
//! | [`api_docs`] | one Swagger UI listing every upstream's OpenAPI document |
//! | `web_app` | the web application (`web/dist/`, compiled in) at `/` |
//!
//! Chapters: docs/src/server-and-network.md, gateway-and-resilience.md,
//! the-edge.md, algorithms.md.

pub mod api_docs;
pub mod balancer;
pub mod edge_auth;
pub mod metrics;
pub mod proxy;
pub mod rate_limit;
pub mod resilience;
pub mod routing;
pub mod settings;
pub mod startup;
pub mod state;
// fork:begin(web)
pub mod web_app;
// fork:end(web)

pub use settings::Settings;
pub use startup::{AppState, Application, StartupError};
