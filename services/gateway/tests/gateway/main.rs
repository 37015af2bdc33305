//! Integration tests: a real gateway in front of real users services and
//! programmable stubs, over loopback; rate limits in the real Redis.

// A test binary has no public API: `pub` here only shares helpers between
// modules, which is what these two lints would otherwise flag.
#![allow(unreachable_pub, missing_debug_implementations)]

mod helpers;

mod api_docs;
mod balancing;
mod consistent_hashing;
mod edge_auth;
mod methods;
mod metrics;
mod path_canonicalisation;
mod rate_limiter;
mod rate_limiter_cluster;
mod rate_limits;
mod resilience;
mod retry_after;
mod routing;
// fork:begin(web)
mod web_app;
// fork:end(web)
