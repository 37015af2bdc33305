use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn get_returns_the_user() {
    let app = spawn_app().await;
    let created = app.create_user("ada@example.com", "Ada").await;

    let response = app.get_user(&created.id.to_string()).await;

    assert_eq!(response.status(), 200);
    let fetched: crate::helpers::UserBody = response.json().await.expect("user");
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn get_returns_404_problem_for_an_unknown_id() {
    let app = spawn_app().await;
    let unknown = uuid::Uuid::now_v7();

    let response = app.get_user(&unknown.to_string()).await;

    let problem = assert_problem(response, 404).await;
    assert_eq!(problem.problem_type, "about:blank");
    assert_eq!(
        problem.instance,
        Some(format!("/api/v1/users/{unknown}")),
        "instance is the request path"
    );
}

#[tokio::test]
async fn get_returns_404_problem_for_an_id_that_is_not_a_uuid() {
    let app = spawn_app().await;

    let response = app.get_user("not-a-uuid").await;

    let problem = assert_problem(response, 404).await;
    assert!(problem.detail.is_some(), "says why");
}
