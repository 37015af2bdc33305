use serde_json::json;

use crate::helpers::{UserBody, assert_problem, spawn_app};

#[tokio::test]
async fn patch_changes_only_the_fields_sent_and_bumps_updated_at() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;

    let response = app
        .patch_user(user.id, &json!({"display_name": "Ada King"}))
        .await;

    assert_eq!(response.status(), 200);
    let updated: UserBody = response.json().await.expect("user");
    assert_eq!(updated.display_name, "Ada King");
    assert_eq!(updated.email, user.email);
    assert_eq!(updated.role, user.role);
    assert_eq!(updated.created_at, user.created_at);
    assert!(updated.updated_at > user.updated_at, "updated_at moves");
}

#[tokio::test]
async fn patch_accepts_merge_patch_json() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;

    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", user.id)))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"role": "admin"}"#)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    let updated: UserBody = response.json().await.expect("user");
    assert_eq!(updated.role, "admin");
}

#[tokio::test]
async fn patch_with_a_new_email_resets_verification() {
    let app = spawn_app().await;
    let user = app.create_verified_user("ada@example.com", "Ada").await;

    let response = app
        .patch_user(user.id, &json!({"email": "ada@lovelace.dev"}))
        .await;

    let updated: UserBody = response.json().await.expect("user");
    assert_eq!(updated.email, "ada@lovelace.dev");
    assert_eq!(updated.email_verified_at, None);
}

#[tokio::test]
async fn patch_changing_only_the_email_case_keeps_verification() {
    let app = spawn_app().await;
    let user = app.create_verified_user("ada@example.com", "Ada").await;

    let response = app
        .patch_user(user.id, &json!({"email": "Ada@Example.com"}))
        .await;

    let updated: UserBody = response.json().await.expect("user");
    assert_eq!(
        updated.email, "Ada@example.com",
        "the domain in its one spelling"
    );
    assert!(updated.email_verified_at.is_some());
}

#[tokio::test]
async fn patch_that_changes_nothing_keeps_updated_at() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;

    let response = app
        .patch_user(user.id, &json!({"display_name": "Ada"}))
        .await;

    let same: UserBody = response.json().await.expect("user");
    assert_eq!(same, user);
}

#[tokio::test]
async fn patch_returns_409_when_the_new_email_belongs_to_another_user() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", "Ada").await;
    let grace = app.create_user("grace@example.com", "Grace").await;

    let response = app
        .patch_user(grace.id, &json!({"email": "ADA@example.com"}))
        .await;

    assert_problem(response, 409).await;
    let unchanged: UserBody = app
        .get_user(&grace.id.to_string())
        .await
        .json()
        .await
        .expect("user");
    assert_eq!(unchanged, grace, "the failed update wrote nothing");
}

#[tokio::test]
async fn patch_returns_404_for_an_unknown_id() {
    let app = spawn_app().await;

    let response = app
        .patch_user(uuid::Uuid::now_v7(), &json!({"display_name": "Nobody"}))
        .await;

    assert_problem(response, 404).await;
}

#[tokio::test]
async fn patch_with_no_fields_is_422() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;

    let response = app.patch_user(user.id, &json!({})).await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/", "empty")]);
}

#[tokio::test]
async fn patch_validates_fields_and_rejects_unknown_ones() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com", "Ada").await;

    let invalid = app
        .patch_user(user.id, &json!({"email": "nope", "display_name": ""}))
        .await;
    let unknown = app
        .patch_user(user.id, &json!({"id": uuid::Uuid::now_v7()}))
        .await;

    let problem = assert_problem(invalid, 422).await;
    assert_eq!(
        problem.field_codes(),
        vec![("#/display_name", "length"), ("#/email", "email")]
    );
    let problem = assert_problem(unknown, 422).await;
    assert_eq!(problem.field_codes(), vec![("#/id", "unknown_field")]);
}
