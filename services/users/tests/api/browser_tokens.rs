//! The refresh token as a browser gets it: only in an HttpOnly cookie,
//! only with the transport header, never in a body a script can read.

use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, assert_problem, spawn_app};

const TRANSPORT: (&str, &str) = ("X-Refresh-Token-Transport", "cookie");

/// The value of the `capstone_refresh` cookie a response sets, and its
/// attributes as sent.
fn refresh_cookie(response: &reqwest::Response) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("capstone_refresh="))
        .map(|header| {
            let value = header
                .trim_start_matches("capstone_refresh=")
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            (value, header.to_owned())
        })
}

async fn post(app: &TestApp, path: &str, cookie: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header(TRANSPORT.0, TRANSPORT.1)
        .json(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("capstone_refresh={cookie}"));
    }
    request.send().await.expect("request sent")
}

async fn browser_login(app: &TestApp, email: &str) -> (String, String) {
    app.register(email).await;
    let response = post(
        app,
        "/api/v1/auth/login",
        None,
        &json!({"email": email, "password": TEST_PASSWORD}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let (cookie, _) = refresh_cookie(&response).expect("a refresh cookie");
    let body: Value = response.json().await.expect("json");
    (
        body["access_token"].as_str().expect("access").to_owned(),
        cookie,
    )
}

#[tokio::test]
async fn login_with_the_header_sets_a_locked_down_cookie_and_keeps_the_token_out_of_the_body() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;

    let response = post(
        &app,
        "/api/v1/auth/login",
        None,
        &json!({"email": "ada@example.com", "password": TEST_PASSWORD}),
    )
    .await;

    assert_eq!(response.status(), 200);
    let (value, header) = refresh_cookie(&response).expect("a refresh cookie");
    assert!(!value.is_empty());
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/auth",
        "Max-Age=1209600",
    ] {
        assert!(
            header.split("; ").any(|part| part == attribute),
            "{attribute} missing from {header}"
        );
    }
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = response.json().await.expect("json");
    assert!(body["access_token"].is_string());
    assert_eq!(body.get("refresh_token"), None, "{body}");
}

#[tokio::test]
async fn refresh_reads_the_cookie_rotates_it_and_refuses_the_spent_one() {
    let app = spawn_app().await;
    let (_, first) = browser_login(&app, "ada@example.com").await;

    let rotated = post(&app, "/api/v1/auth/refresh", Some(&first), &json!({})).await;
    assert_eq!(rotated.status(), 200);
    let (second, _) = refresh_cookie(&rotated).expect("a new cookie");
    let body: Value = rotated.json().await.expect("json");
    let spent = post(&app, "/api/v1/auth/refresh", Some(&first), &json!({})).await;

    assert_ne!(second, first);
    assert!(body["access_token"].is_string());
    assert_eq!(body.get("refresh_token"), None);
    assert_problem(spent, 401).await;
}

#[tokio::test]
async fn without_the_header_the_cookie_is_ignored() {
    let app = spawn_app().await;
    let (_, cookie) = browser_login(&app, "ada@example.com").await;

    // What a forged cross-site form could send: the cookie, a body, no header.
    let forged = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("capstone_refresh={cookie}"))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    let without_cookie = post(&app, "/api/v1/auth/refresh", None, &json!({})).await;
    let unknown_transport = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header(TRANSPORT.0, "smoke-signals")
        .json(&json!({}))
        .send()
        .await
        .expect("sent");

    assert_problem(forged, 401).await;
    assert_problem(without_cookie, 401).await;
    assert_problem(unknown_transport, 400).await;
    let still_valid = post(&app, "/api/v1/auth/refresh", Some(&cookie), &json!({})).await;
    assert_eq!(
        still_valid.status(),
        200,
        "the forged request spent nothing"
    );
}

#[tokio::test]
async fn logout_ends_the_cookies_session_and_clears_it() {
    let app = spawn_app().await;
    let (_, cookie) = browser_login(&app, "ada@example.com").await;

    let logged_out = post(&app, "/api/v1/auth/logout", Some(&cookie), &json!({})).await;
    let again = post(&app, "/api/v1/auth/logout", None, &json!({})).await;

    assert_eq!(logged_out.status(), 204);
    let (value, header) = refresh_cookie(&logged_out).expect("a removal");
    assert_eq!(value, "");
    assert!(header.contains("Max-Age=0"), "{header}");
    assert_eq!(again.status(), 204, "logging out twice is fine");
    let refreshed = post(&app, "/api/v1/auth/refresh", Some(&cookie), &json!({})).await;
    assert_problem(refreshed, 401).await;
}

#[tokio::test]
async fn a_password_change_answers_the_new_session_in_a_cookie() {
    let app = spawn_app().await;
    let (access, old_cookie) = browser_login(&app, "ada@example.com").await;

    let changed = app
        .client
        .patch(app.url("/api/v1/users/me/password"))
        .bearer_auth(&access)
        .header(TRANSPORT.0, TRANSPORT.1)
        .json(&json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"}))
        .send()
        .await
        .expect("sent");

    assert_eq!(changed.status(), 200);
    let (new_cookie, _) = refresh_cookie(&changed).expect("a new cookie");
    let body: Value = changed.json().await.expect("json");
    assert_eq!(body.get("refresh_token"), None);
    assert_problem(
        post(&app, "/api/v1/auth/refresh", Some(&old_cookie), &json!({})).await,
        401,
    )
    .await;
    let refreshed = post(&app, "/api/v1/auth/refresh", Some(&new_cookie), &json!({})).await;
    assert_eq!(refreshed.status(), 200);
}
