//! Read-your-writes for the caller's sessions, which only GraphQL lists
//! (`me { sessions }`): a session written a moment ago on the primary is
//! listed at once, though the replica has not replayed it.

use std::time::Duration;

use serde_json::{Value, json};

use super::{pause_replay, resume_replay, spawn_replicated};
use crate::helpers::{TEST_PASSWORD, TestApp};

#[tokio::test]
async fn a_new_session_is_listed_at_once_for_the_user_who_signed_in() {
    let (pair, app) = spawn_replicated(Duration::from_secs(60)).await;
    app.register("ada@example.com").await;
    pause_replay(&pair).await;

    // Signing in writes a session on the primary; the replica lacks it.
    let response = app.login("ada@example.com", TEST_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.expect("json");
    let token = tokens["access_token"].as_str().expect("a token");

    let sessions = my_sessions(&app, token).await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["current"], true);
    resume_replay(&pair).await;
}

/// The caller's sessions, through GraphQL (`me { sessions }`).
async fn my_sessions(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": "{ me { sessions { id current } } }"}))
        .send()
        .await
        .expect("request sent");
    let body: Value = response.json().await.expect("json");
    body["data"]["me"]["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}
