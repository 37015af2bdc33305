//! No password, token or `Authorization` value reaches the logs, at any log
//! level, and no password reaches a response body.
//!
//! A test binary of its own: it installs a process-wide subscriber (the
//! service answers on its own worker threads, which a thread-local one would
//! not see) that captures every line at TRACE level, so it cannot share a
//! process with the other tests (they install theirs).

/// The api tests' harness, borrowed: `api/helpers.rs` and its `helpers/`
/// files, found as they are from `api/main.rs`.
#[path = "api"]
mod api {
    #[allow(dead_code, unreachable_pub, unused_imports)] // only part of the harness is used here
    pub mod helpers;
}

use api::helpers;

use capstone_platform::{
    settings::Environment,
    telemetry::{json_logs::json_layer, traces},
    testing::CapturedLogs,
};
use serde_json::{Value, json};
use tracing_subscriber::{EnvFilter, Registry, layer::SubscriberExt as _};

/// The subscriber the services install (JSON lines, the trace layer), with
/// every line at every level kept in `logs`; HTTP client internals (the
/// test's own requests) are left out.
fn capture_everything(logs: &CapturedLogs) {
    let provider = traces::without_export(traces::ServiceIdentity {
        name: "capstone-users",
        environment: Environment::Development,
    });
    let subscriber = Registry::default()
        .with(traces::layer(&provider))
        .with(json_layer(logs.clone()))
        .with(EnvFilter::new(
            "trace,reqwest=off,hyper_util=off,hyper=off,h2=off,want=off,mio=off",
        ));
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
}

/// The two tokens of a 200 token response, failing unless it was a 200.
async fn tokens(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), 200, "a token response");
    let body: Value = response.json().await.expect("tokens");
    let token = |name: &str| body[name].as_str().expect(name).to_owned();
    (token("access_token"), token("refresh_token"))
}

async fn refreshed(app: &helpers::TestApp, refresh_token: &str) -> reqwest::Response {
    app.post_public(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": refresh_token}),
    )
    .await
}

#[tokio::test]
async fn no_password_token_or_authorization_value_appears_in_any_log_line() {
    let logs = CapturedLogs::default();
    capture_everything(&logs);
    let app = helpers::spawn_app().await;
    let first = "first-Secret-passphrase-1";
    let wrong = "wrong-Secret-passphrase-2";
    let second = "second-Secret-passphrase-3";
    let too_short = "Sh0rt!";
    let mut bodies = Vec::new();
    let mut requests = 0;

    // Register, and fail to in every way a password can be wrong.
    for (path, body) in [
        (
            "/api/v1/auth/register",
            json!({"email": "ada@example.com", "password": first, "display_name": "Ada"}),
        ),
        (
            "/api/v1/auth/register",
            json!({"email": "bob@example.com", "password": too_short, "display_name": "Bob"}),
        ),
        (
            "/api/v1/auth/login",
            json!({"email": "ada@example.com", "password": wrong}),
        ),
        (
            "/api/v1/auth/login",
            json!({"email": "nobody@example.com", "password": wrong}),
        ),
        (
            "/api/v1/auth/login",
            json!({"email": "ada@example.com", "password": first, "extra": first}),
        ),
    ] {
        let response = app.post_public(path, &body).await;
        bodies.push(response.text().await.expect("body"));
        requests += 1;
    }

    // Log in, refresh, replay the spent refresh token, use a forged access
    // token, change the password, log out: every token crosses the service.
    let (access, refresh) = tokens(app.login("ada@example.com", first).await).await;
    let (access_2, refresh_2) = tokens(refreshed(&app, &refresh).await).await;
    assert_eq!(
        refreshed(&app, &refresh).await.status(),
        401,
        "reuse is refused"
    );
    let forged = format!("{access_2}forged");
    assert_eq!(app.get_as("/api/v1/users/me", &forged).await.status(), 401);
    let change = app
        .client
        .patch(app.url("/api/v1/users/me/password"))
        .bearer_auth(&access_2)
        .json(&json!({"current_password": first, "new_password": second}))
        .send()
        .await
        .expect("sent");
    assert_eq!(change.status(), 200);
    let (access_3, refresh_3) = tokens(change).await;
    let logout = app
        .post_public("/api/v1/auth/logout", &json!({"refresh_token": refresh_3}))
        .await;
    assert_eq!(logout.status(), 204);
    requests += 6;

    let logged = logs.text();
    let lines = logs.json_lines();
    // The capture works: one access-log line per request, each with its
    // trace id, so an empty log cannot pass for a clean one.
    let access_lines: Vec<&Value> = lines
        .iter()
        .filter(|line| line["message"] == "request completed")
        .collect();
    assert!(access_lines.len() >= requests, "{logged}");
    assert!(access_lines.iter().all(|line| line["trace_id"].is_string()));
    let authorization = |token: &str| format!("Bearer {token}");
    let secrets = [
        first.to_owned(),
        wrong.to_owned(),
        second.to_owned(),
        too_short.to_owned(),
        access.clone(),
        refresh.clone(),
        access_2.clone(),
        refresh_2.clone(),
        access_3.clone(),
        refresh_3.clone(),
        forged.clone(),
        authorization(&access_2),
        authorization(&forged),
    ];
    for secret in &secrets {
        assert!(
            !logged.contains(secret.as_str()),
            "{secret} leaked into the logs"
        );
    }
    // Response bodies carry tokens by design; never a password.
    for password in [first, wrong, second, too_short] {
        for body in &bodies {
            assert!(!body.contains(password), "{password} leaked into: {body}");
        }
    }
}
