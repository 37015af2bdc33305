//! The harness: a real gateway on a free port in front of real upstreams.
//!
//! Upstreams are either real users services ([`users::UsersCluster`], two or
//! more instances over one test database) or [`stub::Stub`]s: tiny HTTP
//! servers whose behaviour a test controls (echo what arrived, be slow, fail,
//! report unready), for the faults a real service will not produce on cue.
//! Dropping a handle stops its server; databases and Redis keys go with them.
//! Set `TEST_LOG=1` to see the logs.

pub mod raw_http;
pub mod stub;
pub mod users;

use capstone_gateway::{
    Application, Settings,
    rate_limit::RateLimitSettings,
    settings::{RouteSettings, UpstreamSettings},
    state::Gateway,
};
use capstone_platform::service::ServiceSettings as _;
use capstone_platform::{
    Shutdown,
    telemetry::init_test_telemetry,
    testing::{PATIENCE, RedisNamespace, eventually},
};
use url::Url;

pub use raw_http::{RawResponse, raw_get};
pub use stub::Stub;
pub use users::UsersCluster;

/// A running gateway.
pub struct TestGateway {
    pub address: String,
    pub client: reqwest::Client,
    pub state: std::sync::Arc<Gateway>,
    /// The gateway's Redis namespace (rate-limit keys), cleaned up on drop
    /// unless it was borrowed from another gateway.
    _redis: Option<RedisNamespace>,
    shutdown: Shutdown,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Settings for a gateway with no routes yet: tests add what they need.
/// Fast health checks and breakers, so the tests wait milliseconds.
pub fn base_settings() -> Settings {
    let mut settings = Settings::load(None).expect("settings load");
    settings.gateway.http.port = 0;
    settings.gateway.http.workers = 1;
    settings.gateway.upstreams.clear();
    settings.gateway.routes.clear();
    settings.gateway.breaker.failure_threshold = 2;
    settings.gateway.breaker.open_ms = 300;
    settings.gateway.retry.base_delay_ms = 1;
    settings.gateway.retry.max_delay_ms = 5;
    settings.gateway.auth.min_refresh_interval_ms = 0;
    settings.gateway.rate_limits.insert(
        "generous".into(),
        RateLimitSettings {
            requests: 10_000,
            period_secs: 1,
            burst: 10_000,
        },
    );
    settings
}

/// An upstream pool over `addresses`, health-checked every 100 ms.
pub fn upstream(addresses: &[String]) -> UpstreamSettings {
    let mut upstream = UpstreamSettings {
        instances: addresses
            .iter()
            .map(|address| Url::parse(address).expect("url"))
            .collect(),
        ..UpstreamSettings::default()
    };
    upstream.health_check.interval_ms = 100;
    upstream.health_check.timeout_ms = 500;
    upstream
}

/// [`base_settings`] with one upstream, `stub`, over `stub`, and a route
/// from `prefix` to it.
pub fn settings_over(stub: &Stub, prefix: &str) -> Settings {
    let mut settings = base_settings();
    settings
        .gateway
        .upstreams
        .insert("stub".into(), upstream(std::slice::from_ref(&stub.address)));
    settings.gateway.routes.push(route(prefix, "stub"));
    settings
}

/// A route with a short timeout.
pub fn route(prefix: &str, upstream: &str) -> RouteSettings {
    RouteSettings {
        prefix: prefix.into(),
        upstream: upstream.into(),
        rewrite_to: None,
        protected: false,
        rate_limit: None,
        timeout_ms: 2_000,
    }
}

/// Starts a gateway with `settings` and its own Redis key prefix.
pub async fn spawn_gateway(mut settings: Settings) -> TestGateway {
    let redis = RedisNamespace::new(&settings.redis);
    settings.redis.key_prefix = redis.prefix.clone();
    spawn_gateway_sharing(settings, Some(redis)).await
}

/// Starts a gateway using `settings.redis` as given (to share a prefix
/// with another gateway); `redis` is cleaned up when it drops, if given.
pub async fn spawn_gateway_sharing(
    settings: Settings,
    redis: Option<RedisNamespace>,
) -> TestGateway {
    init_test_telemetry();
    let application = Application::build(settings)
        .await
        .expect("the gateway builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let state = application.gateway();
    let shutdown = Shutdown::new();
    tokio::spawn(application.run_until_stopped(shutdown.clone()));
    TestGateway {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        state,
        _redis: redis,
        shutdown,
    }
}

impl TestGateway {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Waits until the gateway's Redis connection is up (rate limits shared).
    pub async fn wait_for_redis(&self) {
        eventually("the gateway to connect to Redis", PATIENCE, || async {
            let report: serde_json::Value =
                self.get("/health/ready").await.json().await.expect("json");
            if report["checks"]["redis"]["status"] == "up" {
                Ok(())
            } else {
                Err(report)
            }
        })
        .await;
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }
}

/// Asserts a problem+json body with `status` and, if given, `type`.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    problem_type: Option<&str>,
) -> serde_json::Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("json body");
    assert_eq!(body["status"], status);
    if let Some(problem_type) = problem_type {
        assert_eq!(body["type"], problem_type);
    }
    body
}
