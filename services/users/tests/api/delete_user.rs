use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn delete_returns_204_and_the_user_is_gone() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;

    let response = app.delete_user(user.id).await;

    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.expect("body"), "");
    assert_problem(app.get_user(&user.id.to_string()).await, 404).await;
}

#[tokio::test]
async fn delete_returns_404_for_an_unknown_id() {
    let app = spawn_app().await;

    let response = app.delete_user(uuid::Uuid::now_v7()).await;

    assert_problem(response, 404).await;
}

#[tokio::test]
async fn delete_frees_the_email_for_a_new_account() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;
    app.delete_user(user.id).await;

    let again = app.create_user("ada@example.com", "Ada again").await;

    assert_ne!(again.id, user.id);
}
