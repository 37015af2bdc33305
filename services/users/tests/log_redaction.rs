//! Passwords never reach the logs or error bodies, at any log level.
//!
//! A test binary of its own: it installs a process-wide subscriber that
//! captures every log line the service writes at TRACE level, so it cannot
//! share a process with the other tests (they install theirs).

#[allow(dead_code, unreachable_pub, unused_imports)] // only part of the harness is used here
#[path = "api/helpers/mod.rs"]
mod helpers;

use std::sync::{Arc, Mutex};

use serde_json::json;

/// Collects everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

#[tokio::test]
async fn passwords_appear_in_no_log_line_and_no_response_body() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        // Everything the service side writes, at the most verbose level.
        .with_env_filter("trace,reqwest=off,hyper_util=off,hyper=off,h2=off,want=off,mio=off")
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    let app = helpers::spawn_app().await;
    let first = "first-Secret-passphrase-1";
    let wrong = "wrong-Secret-passphrase-2";
    let second = "second-Secret-passphrase-3";
    let too_short = "Sh0rt!";
    let mut bodies = Vec::new();

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
        bodies.push(
            app.post_public(path, &body)
                .await
                .text()
                .await
                .expect("body"),
        );
    }
    let login: serde_json::Value = app
        .post_public(
            "/api/v1/auth/login",
            &json!({"email": "ada@example.com", "password": first}),
        )
        .await
        .json()
        .await
        .expect("tokens");
    let change = app
        .client
        .patch(app.url("/api/v1/users/me/password"))
        .bearer_auth(login["access_token"].as_str().expect("token"))
        .json(&json!({"current_password": first, "new_password": second}))
        .send()
        .await
        .expect("sent");
    assert_eq!(change.status(), 200);
    bodies.push(change.text().await.expect("body"));

    let logged = logs.text();
    assert!(logged.contains("request completed"), "logs were captured");
    for secret in [first, wrong, second, too_short] {
        assert!(!logged.contains(secret), "{secret} leaked into the logs");
        for body in &bodies {
            assert!(
                !body.contains(secret),
                "{secret} leaked into a response: {body}"
            );
        }
    }
}
