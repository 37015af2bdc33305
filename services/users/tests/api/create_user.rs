use serde_json::json;

use crate::helpers::{assert_problem, header, spawn_app};

#[tokio::test]
async fn create_returns_201_with_location_and_the_user() {
    let app = spawn_app().await;

    let response = app
        .post_user(&json!({"email": "ada@example.com", "display_name": "Ada Lovelace"}))
        .await;

    assert_eq!(response.status(), 201);
    let location = header(&response, "location").expect("a Location header");
    let user: crate::helpers::UserBody = response.json().await.expect("user");
    assert_eq!(location, format!("/api/v1/users/{}", user.id));
    assert_eq!(user.id.get_version_num(), 7, "ids are UUIDv7");
    assert_eq!(user.email, "ada@example.com");
    assert_eq!(user.display_name, "Ada Lovelace");
    assert_eq!(user.role, "user", "role defaults to user");
    assert_eq!(user.email_verified_at, None);

    let fetched: crate::helpers::UserBody = app.get(&location).await.json().await.expect("user");
    assert_eq!(fetched, user, "the Location serves the created user");
}

#[tokio::test]
async fn create_accepts_an_explicit_role_and_trims_input() {
    let app = spawn_app().await;

    let response = app
        .post_user(
            &json!({"email": "  grace@example.com ", "display_name": " Grace ", "role": "admin"}),
        )
        .await;

    assert_eq!(response.status(), 201);
    let user: crate::helpers::UserBody = response.json().await.expect("user");
    assert_eq!(user.email, "grace@example.com");
    assert_eq!(user.display_name, "Grace");
    assert_eq!(user.role, "admin");
}

#[tokio::test]
async fn create_returns_409_when_the_email_is_taken_in_any_case() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;

    let response = app
        .post_user(&json!({"email": "ADA@Example.com", "display_name": "Impostor"}))
        .await;

    let problem = assert_problem(response, 409).await;
    assert_eq!(problem.problem_type, "urn:capstone:problem:email-taken");
    assert_eq!(problem.instance.as_deref(), Some("/api/v1/users"));
    let page = app.list_page("role=user").await;
    assert_eq!(page.items.len(), 1, "nothing was written");
}

#[tokio::test]
async fn create_reports_every_invalid_field_at_once_with_422() {
    let app = spawn_app().await;

    let response = app
        .post_user(&json!({"email": "not-an-email", "display_name": "   "}))
        .await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(problem.problem_type, "urn:capstone:problem:validation");
    assert_eq!(
        problem.field_codes(),
        vec![("#/display_name", "length"), ("#/email", "email")]
    );
    assert_eq!(
        app.list_page("role=user").await.items.len(),
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn create_rejects_display_names_with_control_characters() {
    let app = spawn_app().await;

    let response = app
        .post_user(&json!({"email": "ada@example.com", "display_name": "Ada\nAdmin"}))
        .await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(
        problem.field_codes(),
        vec![("#/display_name", "control_characters")]
    );
}

#[tokio::test]
async fn create_rejects_unknown_fields_with_422_pointing_at_them() {
    let app = spawn_app().await;

    let response = app
        .post_user(&json!({"email": "ada@example.com", "display_name": "Ada", "is_admin": true}))
        .await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/is_admin", "unknown_field")]);
}

#[tokio::test]
async fn create_reports_a_missing_field_as_required() {
    let app = spawn_app().await;

    let response = app.post_user(&json!({"email": "ada@example.com"})).await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/display_name", "required")]);
}

#[tokio::test]
async fn create_reports_a_wrong_type_or_unknown_role_as_invalid_type() {
    let app = spawn_app().await;

    for body in [
        json!({"email": 42, "display_name": "Ada"}),
        json!({"email": "ada@example.com", "display_name": "Ada", "role": "root"}),
    ] {
        let response = app.post_user(&body).await;

        let problem = assert_problem(response, 422).await;
        assert_eq!(problem.errors.len(), 1, "{body}");
        assert_eq!(problem.errors[0].code, "invalid_type", "{body}");
    }
}

#[tokio::test]
async fn create_returns_400_for_malformed_json() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body(r#"{"email": "ada@example.com", "display_name": "#)
        .send()
        .await
        .expect("sent");

    let problem = assert_problem(response, 400).await;
    assert!(
        problem
            .detail
            .unwrap_or_default()
            .contains("not valid JSON"),
        "the detail says what is wrong"
    );
}

#[tokio::test]
async fn create_returns_415_when_the_body_is_not_declared_as_json() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "text/plain")
        .body(r#"{"email": "ada@example.com", "display_name": "Ada"}"#)
        .send()
        .await
        .expect("sent");

    assert_problem(response, 415).await;
}

#[tokio::test]
async fn create_returns_413_for_a_body_over_the_limit() {
    let app = spawn_app_with_small_body_limit().await;
    let padding = "x".repeat(2_048);

    let response = app
        .post_user(&json!({"email": "ada@example.com", "display_name": padding}))
        .await;

    assert_problem(response, 413).await;
    assert_eq!(app.list_page("role=user").await.items.len(), 0);
}

async fn spawn_app_with_small_body_limit() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(|settings| settings.users.http.body_limit_bytes = 1_024).await
}

#[tokio::test]
async fn create_returns_503_problem_when_the_database_is_gone() {
    let app = crate::health::spawn_app_with_short_timeouts().await;
    crate::health::drop_database_under_the_app(&app).await;

    let response = app
        .post_user(&json!({"email": "ada@example.com", "display_name": "Ada"}))
        .await;

    let retry_after = header(&response, "retry-after");
    let problem = assert_problem(response, 503).await;
    assert_eq!(
        problem.problem_type,
        "urn:capstone:problem:dependency-unavailable"
    );
    assert_eq!(retry_after.as_deref(), Some("1"));
    let detail = problem.detail.unwrap_or_default();
    assert!(!detail.contains("does not exist"), "no internals: {detail}");
}
