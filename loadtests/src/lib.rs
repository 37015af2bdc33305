//! Load-test tools for Capstone, three binaries on a small shared library:
//!
//! * `loadgen` ([`loadgen`]): an HTTP/1.1 load generator. N keep-alive
//!   connections, closed loop or open loop at a fixed rate; in open loop the
//!   latency counts from each request's *due* time, so a server that falls
//!   behind cannot hide the wait (coordinated omission, see [`schedule`]).
//! * `bare` ([`bare`]): one actix-web route with no middleware answering a
//!   fixed body. The ceiling a real service's figures are compared to.
//! * `broker-baseline` ([`broker_baseline`]): publish → consume → ack round
//!   trips on RabbitMQ with nothing of ours in between. The ceiling for the
//!   event path (outbox relay → broker → worker).
//!
//! Both measuring tools print one JSON object and share its latency part
//! ([`latency`]). The tools only ever target the addresses they are given;
//! on this project's machines that is loopback.

pub mod bare;
pub mod broker_baseline;
pub mod latency;
pub mod loadgen;
pub mod output;
pub mod schedule;
pub mod template;
