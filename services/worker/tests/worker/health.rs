//! Readiness and settings validation.

use capstone_platform::service::ServiceSettings as _;
use capstone_worker::{
    Application, Settings, StartupError,
    testing::{PATIENCE, TestWorker, eventually},
};
use serde_json::Value;

#[tokio::test]
async fn readiness_reports_rabbitmq_and_postgres_up_once_consuming() {
    let worker = TestWorker::spawn().await;
    let client = reqwest::Client::new();
    let url = format!("{}/health/ready", worker.address);

    let (client, url) = (&client, &url);
    let report: Value = eventually("rabbitmq to be up", PATIENCE, move || async move {
        let response = client.get(url).send().await.ok()?;
        let report: Value = response.json().await.ok()?;
        (report["checks"]["rabbitmq"]["status"] == "up").then_some(report)
    })
    .await;

    assert_eq!(report["status"], "ready", "{report}");
    for dependency in ["rabbitmq", "postgres"] {
        assert_eq!(report["checks"][dependency]["status"], "up", "{report}");
        assert_eq!(report["checks"][dependency]["required"], true, "{report}");
    }
    let live = client
        .get(format!("{}/health/live", worker.address))
        .send()
        .await
        .expect("request sent");
    assert_eq!(live.status(), 200);
}

#[tokio::test]
async fn a_prefetch_of_zero_is_rejected_naming_the_key() {
    let mut settings = Settings::default();
    settings.worker.prefetch = 0;

    let message = settings.validate().expect_err("prefetch 0").to_string();
    assert!(message.contains("worker.prefetch"), "{message}");

    let error = Application::build(settings)
        .await
        .expect_err("refuses to build");
    assert!(matches!(error, StartupError::Config(_)), "{error:?}");
}

#[tokio::test]
async fn a_retention_shorter_than_the_retry_path_is_rejected() {
    let mut settings = Settings::default();
    // Retries span 71 s by default: forgetting ids after 60 s would let a
    // retried event that had in fact been applied be applied again.
    settings.worker.processed_retention_secs = 60;

    let message = settings.validate().expect_err("too short").to_string();
    assert!(
        message.contains("worker.processed_retention_secs"),
        "{message}"
    );
}
