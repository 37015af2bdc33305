//! The test harness: a real users service on a free port, over a real
//! Postgres database of its own, driven through typed HTTP helpers.
//!
//! Each test calls [`spawn_app`] and gets a [`TestApp`]. Dropping it stops the
//! server and drops the test's database, so the suite runs in parallel and
//! leaves nothing behind but one migrated template database, reused by every
//! run while the migrations are unchanged. Set `TEST_LOG=1` to see the logs.
//!
//! | module | holds |
//! |---|---|
//! | this file | `spawn_app`, `TestApp` and its typed request helpers |
//! | [`bodies`] | the response bodies as tests read them, `assert_problem` |
//! | [`locks`] | rows held from the test's own transaction, to line concurrent requests up |
//! | [`outbox`] | the events the service wrote to its outbox, decoded |
//! | `capstone_users::testing` | test databases, the suite's signing key, Redis namespaces (shared with the gateway's tests) |

mod bodies;
mod locks;
mod outbox;

pub use bodies::{PageBody, UserBody, assert_problem, header};
pub use capstone_users::testing::{
    RedisNamespace, TestDatabase, configure_test_auth, identity, insert_admin, sign_claims,
};
pub use locks::hold_rows;

use capstone_platform::service::ServiceSettings;
use capstone_platform::{
    Shutdown,
    telemetry::init_test_telemetry,
    testing::{PATIENCE, eventually},
};
use capstone_users::{Application, Settings, auth::AccessTokenIssuer, domain::Role};
use diesel_async::RunQueryDsl;
use serde_json::Value;
use uuid::Uuid;

/// The password [`TestApp::register`] gives every account.
pub const TEST_PASSWORD: &str = "correct horse battery";

/// A running users service and the database it owns.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    /// Signs tokens the service accepts (same key).
    pub tokens: AccessTokenIssuer,
    /// The test's admin: a real row (the service checks every token against
    /// the stored account), created in 2000 so it sorts after every user a
    /// test makes in newest-first listings.
    pub admin_id: Uuid,
    /// The admin's token. The request helpers send it unless told otherwise.
    pub admin_token: String,
    /// This test's Redis keys (deleted at the end).
    pub redis: RedisNamespace,
    /// The service's cache counters (hits per layer, database loads).
    pub cache: std::sync::Arc<capstone_users::cache::CacheMetrics>,
    /// What it was built from: [`TestApp::spawn_sibling`] builds another
    /// instance from the same settings.
    pub settings: Settings,
    // fork:begin(graphql)
    /// The service's GraphQL endpoint, to run a request on the test's own
    /// thread (where its spans can be captured) instead of over HTTP.
    pub graphql: capstone_users::graphql::Endpoint,
    // fork:end(graphql)
    shutdown: Shutdown,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

// ANCHOR: spawn_app
/// Starts the service as `main` would, on port 0 and a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test adjust settings first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
    spawn_app_on(database, adjust).await
}

/// Like [`spawn_app_with`], over a migrated `database` the test made
/// (on another server: a primary with a replica).
pub async fn spawn_app_on(database: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_telemetry();

    // The same layered loading as production (so DATABASE_URL is honoured),
    // then the overrides that make tests independent of each other.
    let mut settings = <Settings as ServiceSettings>::load(None).expect("settings load");
    settings.database = database.settings.clone();
    settings.users.http.port = 0; // any free port: tests run in parallel
    settings.users.http.workers = 1;
    // Events still land in the outbox table; only the tests about the relay
    // run it (with their own AMQP prefix), so the rest need no broker.
    settings.users.outbox.relay_enabled = false;
    configure_test_auth(&mut settings);
    let redis = RedisNamespace::new(&settings.redis);
    settings.redis.key_prefix = redis.prefix.clone();
    adjust(&mut settings);
    let tokens = identity::test_token_issuer(&settings);
    let admin_id = insert_admin(&database, "test-admin@example.com").await;
    let admin_token = identity::mint(&tokens, admin_id, Role::Admin);

    let application = Application::build(settings.clone())
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let cache = application.cache_metrics();
    // fork:begin(graphql)
    let graphql = application.graphql();
    // fork:end(graphql)
    let shutdown = Shutdown::new();
    let server = tokio::spawn(application.run_until_stopped(shutdown.clone()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        database,
        tokens,
        admin_id,
        admin_token,
        redis,
        cache,
        settings,
        // fork:begin(graphql)
        graphql,
        // fork:end(graphql)
        shutdown,
        server,
    }
}
// ANCHOR_END: spawn_app

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A second instance over the same database and Redis prefix, as a
    /// deployment runs several; it stops when the returned handle drops.
    pub async fn spawn_sibling(&self) -> Sibling {
        let application = Application::build(self.settings.clone())
            .await
            .expect("the sibling builds");
        let address = format!("http://127.0.0.1:{}", application.port());
        let shutdown = Shutdown::new();
        tokio::spawn(application.run_until_stopped(shutdown.clone()));
        Sibling { address, shutdown }
    }

    /// Stops the server and waits until it has drained.
    pub async fn stop(mut self) -> std::io::Result<()> {
        self.shutdown.trigger();
        (&mut self.server).await.expect("server task joins")
    }

    /// Waits (bounded) until the service's background Redis connection is up,
    /// for tests whose outcome depends on Redis being used.
    pub async fn wait_for_redis(&self) {
        eventually("the service to connect to Redis", PATIENCE, || async {
            let report: Value = self.get("/health/ready").await.json().await.expect("json");
            if report["checks"]["redis"]["status"] == "up" {
                Ok(())
            } else {
                Err(report)
            }
        })
        .await;
    }

    /// A token for `user_id` with `role`.
    pub fn token_for(&self, user_id: Uuid, role: Role) -> String {
        identity::mint(&self.tokens, user_id, role)
    }

    /// GET as the admin.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_as(path, &self.admin_token).await
    }

    /// GET with `token` as the bearer.
    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Registers `email` with [`TEST_PASSWORD`], failing the test unless
    /// 202, and returns the new account. Registration answers nothing about
    /// the account (it must not tell a new address from a taken one), so
    /// the id comes from its `user.registered` event and the rest from the
    /// admin's read.
    pub async fn register(&self, email: &str) -> UserBody {
        let response = self
            .post_public(
                "/api/v1/auth/register",
                &serde_json::json!({"email": email, "password": TEST_PASSWORD, "display_name": "Ada"}),
            )
            .await;
        assert_eq!(response.status(), 202, "registering {email}");
        let id = self.registered_id(email).await;
        let read = self.get_user(&id.to_string()).await;
        assert_eq!(read.status(), 200, "reading the new account {email}");
        read.json().await.expect("a user body")
    }

    /// POST /api/v1/auth/login.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_public(
            "/api/v1/auth/login",
            &serde_json::json!({"email": email, "password": password}),
        )
        .await
    }

    /// POST JSON without a token (public routes: register, login…).
    pub async fn post_public(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// POST with no body and `token` as the bearer (actions like
    /// `/users/me/verification-email`).
    pub async fn post_empty_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_user(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/users"))
            .bearer_auth(&self.admin_token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a user and returns it, failing the test unless it got 201.
    pub async fn create_user(&self, email: &str, display_name: &str) -> UserBody {
        let response = self
            .post_user(&serde_json::json!({"email": email, "display_name": display_name}))
            .await;
        assert_eq!(response.status(), 201, "creating {email}");
        response.json().await.expect("a user body")
    }

    pub async fn get_user(&self, id: &str) -> reqwest::Response {
        self.get(&format!("/api/v1/users/{id}")).await
    }

    pub async fn list_users(&self, query: &str) -> reqwest::Response {
        self.get(&format!("/api/v1/users?{query}")).await
    }

    /// Lists and returns the page, failing the test unless it got 200.
    pub async fn list_page(&self, query: &str) -> PageBody {
        let response = self.list_users(query).await;
        assert_eq!(response.status(), 200, "listing with {query}");
        response.json().await.expect("a page body")
    }

    pub async fn patch_user(&self, id: Uuid, body: &Value) -> reqwest::Response {
        self.patch_user_as(id, body, &self.admin_token).await
    }

    pub async fn patch_user_as(&self, id: Uuid, body: &Value, token: &str) -> reqwest::Response {
        self.client
            .patch(self.url(&format!("/api/v1/users/{id}")))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete_user(&self, id: Uuid) -> reqwest::Response {
        self.client
            .delete(self.url(&format!("/api/v1/users/{id}")))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .expect("request sent")
    }

    /// A user whose email is verified, set in SQL: quicker than the email
    /// round trip (which `email_links.rs` tests).
    pub async fn create_verified_user(&self, email: &str, display_name: &str) -> UserBody {
        let user = self.create_user(email, display_name).await;
        let mut connection = self.database.connect().await;
        diesel::sql_query("UPDATE users SET email_verified_at = now() WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(user.id)
            .execute(&mut connection)
            .await
            .expect("SQL runs");
        user
    }
}

/// Another instance of the service, from [`TestApp::spawn_sibling`].
pub struct Sibling {
    pub address: String,
    shutdown: Shutdown,
}

impl Drop for Sibling {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Runs SQL on the test's database: for states no endpoint can reach.
pub async fn execute_on(app: &TestApp, statement: &str) {
    let mut connection = app.database.connect().await;
    diesel::sql_query(statement)
        .execute(&mut connection)
        .await
        .expect("SQL runs");
}
