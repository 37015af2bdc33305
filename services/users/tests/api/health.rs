use crate::helpers::spawn_app;

#[tokio::test]
async fn liveness_answers_200_without_touching_dependencies() {
    let app = spawn_app().await;

    let response = app.get("/health/live").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"status": "live"}));
}

#[tokio::test]
async fn readiness_is_ready_once_postgres_and_redis_answer() {
    let app = spawn_app().await;
    // Redis connects in the background after startup; until then the
    // service is (correctly) only `degraded`.
    app.wait_for_redis().await;

    let response = app.get("/health/ready").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["postgres"]["status"], "up");
    assert_eq!(body["checks"]["postgres"]["required"], true);
    assert_eq!(body["checks"]["redis"]["status"], "up");
    assert_eq!(body["checks"]["redis"]["required"], false);
}

#[tokio::test]
async fn readiness_is_503_and_names_postgres_when_the_database_goes_away() {
    let app = spawn_app_with_short_timeouts().await;
    drop_database_under_the_app(&app).await;

    let response = app.get("/health/ready").await;

    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["postgres"]["status"], "down");
    assert!(body["checks"]["postgres"]["error"].is_string());
}

pub async fn spawn_app_with_short_timeouts() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(|settings| {
        settings.database.acquire_timeout_ms = 500;
        settings.users.readiness_timeout_ms = 1_000;
    })
    .await
}

/// Makes Postgres unusable for this app only: its database disappears and
/// its open connections are terminated.
pub async fn drop_database_under_the_app(app: &crate::helpers::TestApp) {
    capstone_platform::database::drop_database(&app.database.settings, &app.database.name)
        .await
        .expect("dropped");
}
