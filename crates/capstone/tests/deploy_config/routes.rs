//! The health and metrics paths the code serves, asked of the real routes
//! rather than copied from them: every service mounts
//! `capstone_platform::health::configure` and
//! `capstone_platform::metrics::exporter::configure` (services/*/src/startup.rs),
//! so an app of just those two answers a path the way the services do.

use std::time::Duration;

use actix_web::{App, http::header, test::TestRequest, web};
use capstone_platform::{
    health::{self, Readiness},
    metrics::{MetricsExporter, Registry, exporter},
};

/// The status and content type a GET of `path` gets.
fn get(path: &str) -> (u16, String) {
    actix_web::rt::System::new().block_on(async {
        let app = actix_web::test::init_service(
            App::new()
                // No dependency to check: ready, so a served path answers 200.
                .app_data(web::Data::new(Readiness::new(Duration::from_secs(1))))
                .app_data(web::Data::new(MetricsExporter::new(Registry::new(
                    "deploy-config",
                    || {},
                ))))
                .configure(health::configure)
                .configure(exporter::configure),
        )
        .await;
        let response =
            actix_web::test::call_service(&app, TestRequest::get().uri(path).to_request()).await;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (response.status().as_u16(), content_type)
    })
}

/// A health endpoint answers 2xx with a JSON report; `capstone healthcheck`
/// and the kubelet need the 2xx.
pub(crate) fn is_health_path(path: &str) -> bool {
    let (status, content_type) = get(path);
    (200..300).contains(&status) && content_type.starts_with("application/json")
}

/// The metrics endpoint answers 200 in Prometheus' text format.
pub(crate) fn is_metrics_path(path: &str) -> bool {
    let (status, content_type) = get(path);
    status == 200 && content_type.starts_with("text/plain; version=0.0.4")
}

#[test]
fn the_route_check_knows_a_served_path_from_an_unserved_one() {
    assert!(is_health_path("/health/live"));
    assert!(is_health_path("/health/ready"));
    assert!(!is_health_path("/healthz"));
    assert!(!is_health_path("/metrics"));
    assert!(is_metrics_path("/metrics"));
    assert!(!is_metrics_path("/health/ready"));
}
