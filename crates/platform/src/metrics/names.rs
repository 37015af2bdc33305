//! The shared metric names: the only place they are spelled.
//!
//! The scheme, for every metric in the system: a `capstone_` prefix, then
//! the subsystem (`http`, `db_pool`, `users_cache`…), snake_case, base units
//! in the name (`_seconds`, never milliseconds), `_total` on counters and on
//! nothing else. Every series carries [`SERVICE_LABEL`]. Dashboards and
//! alerts may use only names listed in a `NAMES` constant (this one and each
//! service's), so a test can check them.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// The label on every series: `gateway`, `users` or `worker`.
pub const SERVICE_LABEL: &str = "service";

// ANCHOR: http_names
/// Requests answered, by `method`, `route` (template) and `status` (code).
pub const HTTP_REQUESTS_TOTAL: &str = "capstone_http_requests_total";
/// Requests answered with a status of 400 or more, same labels.
pub const HTTP_REQUEST_ERRORS_TOTAL: &str = "capstone_http_request_errors_total";
/// Time to the response head, by `method`, `route` and `status_class` (`2xx`…).
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "capstone_http_request_duration_seconds";
// ANCHOR_END: http_names

/// The database pool's configured maximum.
pub const DB_POOL_MAX_CONNECTIONS: &str = "capstone_db_pool_max_connections";
/// Connections the pool holds open now (idle or lent out).
pub const DB_POOL_CONNECTIONS: &str = "capstone_db_pool_connections";
/// Open connections waiting in the pool, ready to lend.
pub const DB_POOL_IDLE_CONNECTIONS: &str = "capstone_db_pool_idle_connections";
/// Tasks waiting for a connection: above 0 for long means the pool is too small.
pub const DB_POOL_WAITING_TASKS: &str = "capstone_db_pool_waiting_tasks";
/// 1 when Redis answered a PING at scrape time, else 0.
pub const REDIS_CONNECTED: &str = "capstone_redis_connected";
/// 1 while the service holds a live RabbitMQ connection, else 0.
pub const AMQP_CONNECTED: &str = "capstone_amqp_connected";

/// Every shared name, for tests that check dashboards against them.
pub const NAMES: &[&str] = &[
    HTTP_REQUESTS_TOTAL,
    HTTP_REQUEST_ERRORS_TOTAL,
    HTTP_REQUEST_DURATION_SECONDS,
    DB_POOL_MAX_CONNECTIONS,
    DB_POOL_CONNECTIONS,
    DB_POOL_IDLE_CONNECTIONS,
    DB_POOL_WAITING_TASKS,
    REDIS_CONNECTED,
    AMQP_CONNECTED,
];

// ANCHOR: buckets
/// Upper bounds (seconds) of every duration histogram: 5 ms to 10 s, about
/// ×2.5 apart. Fine where our latencies live (a cached read is a few ms, a
/// login's password hash ~50 ms, an SMTP send up to the 5 s timeout), and
/// only 11 series per label set: each bucket is a series of its own.
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
// ANCHOR_END: buckets

/// `# HELP` texts for the shared names.
pub(super) fn describe() {
    describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "HTTP requests answered, by method, route template and status code."
    );
    describe_counter!(
        HTTP_REQUEST_ERRORS_TOTAL,
        "HTTP requests answered with a 4xx or 5xx status, by method, route template and status code."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time from receiving an HTTP request to its response head, by method, route template and status class."
    );
    describe_gauge!(
        DB_POOL_MAX_CONNECTIONS,
        "Most connections the database pool may open."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Connections the database pool holds open, idle or lent out."
    );
    describe_gauge!(
        DB_POOL_IDLE_CONNECTIONS,
        "Open database connections waiting in the pool."
    );
    describe_gauge!(
        DB_POOL_WAITING_TASKS,
        "Tasks waiting for a database connection."
    );
    describe_gauge!(
        REDIS_CONNECTED,
        "1 when Redis answered a PING at scrape time, else 0."
    );
    describe_gauge!(
        AMQP_CONNECTED,
        "1 while the service holds a live RabbitMQ connection, else 0."
    );
}
