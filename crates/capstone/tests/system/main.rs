//! System tests: the services together, as `capstone up` runs them, on the
//! real Postgres, Redis and RabbitMQ. Each test has its own databases, Redis
//! prefix and AMQP prefix, and removes them when it ends. `rolling_restart`
//! runs the real binaries as processes instead (`processes`).

#![allow(unreachable_pub, missing_debug_implementations)]

mod events;
mod helpers;
mod processes;
mod rolling_restart;
mod scrapes;
mod secrets_at_rest;
mod traces;
