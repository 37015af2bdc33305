//! Small guarantees with a test each: concurrent use of one refresh token
//! or one reset link, caching of responses that carry tokens, and bytes
//! that must never reach SQL.

use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, assert_problem, header, hold_rows, spawn_app};

#[tokio::test]
async fn twenty_refreshes_racing_with_one_token_yield_exactly_one_new_pair() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let login: Value = app
        .login("ada@example.com", TEST_PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let refresh_token = login["refresh_token"].as_str().expect("refresh").to_owned();

    let body = json!({"refresh_token": refresh_token});
    let attempts = (0..20).map(|_| app.post_public("/api/v1/auth/refresh", &body));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();

    let won = statuses.iter().filter(|status| **status == 200).count();
    assert_eq!(won, 1, "one rotation under the row lock: {statuses:?}");
    assert!(
        statuses.iter().all(|status| matches!(status, 200 | 401)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn two_resets_racing_with_one_link_change_the_password_once() {
    let app = spawn_app().await;
    let user = app.register("ada@example.com").await;
    app.post_public(
        "/api/v1/auth/forgot-password",
        &json!({"email": "ada@example.com"}),
    )
    .await;
    let token = app.link_token("ada@example.com").await;

    // Both requests hash their password, then wait on the user's row.
    let held = hold_rows(&app, &[user.id]).await;
    let reset = |password: &'static str| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/auth/reset-password"));
        let body = json!({"token": token, "new_password": password});
        async move {
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    let both = tokio::spawn({
        let (first, second) = (
            reset("first new passphrase"),
            reset("second new passphrase"),
        );
        async move { tokio::join!(first, second) }
    });
    held.release_when_waiting(2).await;
    let (first, second) = both.await.expect("ran");

    let mut statuses = [first, second];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 403], "the link is spent by the first");
    let winner = if first == 204 {
        "first new passphrase"
    } else {
        "second new passphrase"
    };
    assert_eq!(app.login("ada@example.com", winner).await.status(), 200);
}

#[tokio::test]
async fn every_response_that_carries_a_token_pair_forbids_caching() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;

    let login = app.login("ada@example.com", TEST_PASSWORD).await;
    let (cache_control, pragma) = (header(&login, "cache-control"), header(&login, "pragma"));
    let pair: Value = login.json().await.expect("tokens");
    let refreshed = app
        .post_public(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    let changed = app
        .client
        .patch(app.url("/api/v1/users/me/password"))
        .bearer_auth(pair["access_token"].as_str().expect("access"))
        .json(&json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"}))
        .send()
        .await
        .expect("sent");

    assert_eq!(
        (cache_control.as_deref(), pragma.as_deref()),
        (Some("no-store"), Some("no-cache"))
    );
    for response in [refreshed, changed] {
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("no-store")
        );
        assert_eq!(header(&response, "pragma").as_deref(), Some("no-cache"));
    }
}

#[tokio::test]
async fn a_nul_byte_where_text_reaches_sql_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let nul_email = "ada\u{0}@example.com";

    let login = app.login(nul_email, TEST_PASSWORD).await;
    let forgot = app
        .post_public("/api/v1/auth/forgot-password", &json!({"email": nul_email}))
        .await;
    let listed = app.list_users("email_prefix=ada%00").await;

    for (response, field) in [
        (login, "#/email"),
        (forgot, "#/email"),
        (listed, "#/email_prefix"),
    ] {
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem.field_codes(), vec![(field, "control_characters")]);
    }
}

#[tokio::test]
async fn register_and_forgot_password_answer_at_their_floor_for_known_and_unknown_addresses() {
    let floor = std::time::Duration::from_millis(300);
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.users.auth.uniform_response_ms = 300;
    })
    .await;
    app.register("ada@example.com").await;

    for email in ["ada@example.com", "nobody@example.com"] {
        let calls = [
            ("/api/v1/auth/forgot-password", json!({"email": email})),
            (
                "/api/v1/auth/register",
                json!({"email": email, "password": "some passphrase", "display_name": "A"}),
            ),
        ];
        for (path, body) in calls {
            let started = std::time::Instant::now();
            let response = app.post_public(path, &body).await;
            // A lower bound, which a sleep guarantees: not a speed claim
            // (figures for the default floor are in the security chapter).
            assert_eq!(response.status(), 202);
            assert!(
                started.elapsed() >= floor,
                "{path} for {email} before the floor"
            );
        }
    }
    assert_eq!(
        app.outbox(Some("user.password_reset_requested"))
            .await
            .len(),
        1
    );
}
