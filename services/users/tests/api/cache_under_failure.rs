//! The users cache when Redis fails at the moment a write invalidates it:
//! the write's delete is lost, yet neither the writing instance nor another
//! one sharing the Redis may serve the old copy (or accept a token the write
//! retired) for longer than the bound stated in `cache::user_cache`.
//!
//! The writing instance (A) reaches Redis through a cuttable proxy; the
//! other (B) reaches it directly, as when only A's link or A's CPU failed.

use capstone_platform::service::ServiceSettings as _;
use std::time::Duration;

use capstone_platform::{
    Shutdown,
    testing::{CuttableProxy, PATIENCE, eventually},
};
use capstone_users::{Application, Settings, cache::user_cache::RETRY_BACKOFF_MAX, domain::Role};
use serde_json::json;
use url::Url;
use uuid::Uuid;

use crate::helpers::{TEST_PASSWORD, TestApp, UserBody, spawn_app_with};

/// Short, so that waiting past the bound keeps the test quick.
const LOCAL_TTL: Duration = Duration::from_millis(500);

/// The staleness bound after Redis answers the writer again (local TTL plus
/// the retry window), plus a margin for a loaded machine.
fn past_the_bound() -> Duration {
    LOCAL_TTL + RETRY_BACKOFF_MAX + Duration::from_secs(1)
}

/// Instance A (behind the proxy), the proxy, and instance B (direct).
struct TwoInstances {
    a: TestApp,
    proxy: CuttableProxy,
    b_address: String,
    _b_shutdown: StopOnDrop,
}

struct StopOnDrop(Shutdown);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.trigger();
    }
}

async fn spawn_two_instances() -> TwoInstances {
    let direct = Settings::load(None).expect("settings").redis;
    let mut proxied_url = direct.parsed_url().expect("a Redis URL");
    let upstream = proxied_url
        .socket_addrs(|| Some(6379))
        .expect("Redis resolves")[0];
    let proxy = CuttableProxy::start(upstream).await;
    point_at(&mut proxied_url, proxy.address());
    let a = spawn_app_with(|settings| {
        settings.redis.url = proxied_url.to_string().into();
        settings.users.cache.local_ttl_ms = LOCAL_TTL.as_millis() as u64;
    })
    .await;
    a.wait_for_redis().await;

    let mut b_settings = a.settings.clone();
    b_settings.redis.url = direct.url;
    let b = Application::build(b_settings).await.expect("B builds");
    let b_address = format!("http://127.0.0.1:{}", b.port());
    let shutdown = Shutdown::new();
    tokio::spawn(b.run_until_stopped(shutdown.clone()));
    let instances = TwoInstances {
        a,
        proxy,
        b_address,
        _b_shutdown: StopOnDrop(shutdown),
    };
    instances.wait_until_b_uses_redis().await;
    instances
}

fn point_at(url: &mut Url, address: std::net::SocketAddr) {
    url.set_ip_host(address.ip()).expect("an IP host fits");
    url.set_port(Some(address.port())).expect("a port fits");
}

impl TwoInstances {
    async fn get_from_b(&self, path: &str, token: &str) -> reqwest::Response {
        self.a
            .client
            .get(format!("{}{path}", self.b_address))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent to B")
    }

    async fn wait_until_b_uses_redis(&self) {
        eventually("B to connect to Redis", PATIENCE, || async {
            let report: serde_json::Value = self
                .get_from_b("/health/ready", &self.a.admin_token)
                .await
                .json()
                .await
                .expect("json");
            if report["checks"]["redis"]["status"] == "up" {
                Ok(())
            } else {
                Err(report)
            }
        })
        .await;
    }

    /// Cuts A from Redis for the duration of `write`, then gives it back and
    /// waits until A talks to Redis again: from there the bound runs.
    async fn with_redis_cut_for_a<T>(&self, write: impl Future<Output = T>) -> T {
        self.proxy.cut();
        let written = write.await;
        self.proxy.restore();
        self.a.wait_for_redis().await;
        written
    }

    fn cached_in_redis(&self, id: Uuid) -> bool {
        let key = capstone_users::cache::keys::user_key(&self.a.redis.prefix, id);
        self.a.redis.keys().contains(&key)
    }
}

async fn display_name(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    response
        .json::<UserBody>()
        .await
        .expect("user")
        .display_name
}

#[tokio::test]
async fn a_write_whose_invalidation_failed_is_seen_by_every_instance_after_the_bound() {
    let instances = spawn_two_instances().await;
    let a = &instances.a;
    let user = a.create_user("ada@example.com", "Ada").await;
    let path = format!("/api/v1/users/{}", user.id);
    // B reads it: now cached in B's process and in Redis, for minutes.
    let read = instances.get_from_b(&path, &a.admin_token).await;
    assert_eq!(display_name(read).await, "Ada");
    assert!(instances.cached_in_redis(user.id));

    let renamed = instances
        .with_redis_cut_for_a(a.patch_user(user.id, &json!({"display_name": "Ada King"})))
        .await;
    assert_eq!(renamed.status(), 200);
    tokio::time::sleep(past_the_bound()).await;

    assert!(a.cache.snapshot().late_deletes >= 1, "A's retry landed");
    let from_a = display_name(a.get(&path).await).await;
    let from_b = display_name(instances.get_from_b(&path, &a.admin_token).await).await;
    assert_eq!(
        (from_a.as_str(), from_b.as_str()),
        ("Ada King", "Ada King"),
        "(A, B)"
    );
}

#[tokio::test]
async fn a_token_retired_by_a_write_whose_invalidation_failed_is_refused_after_the_bound() {
    let instances = spawn_two_instances().await;
    let a = &instances.a;
    let user = a.register("ada@example.com").await;
    let old_token = a.token_for(user.id, Role::User);
    // The token works on B, which caches the account (auth version 0).
    let me = instances.get_from_b("/api/v1/users/me", &old_token).await;
    assert_eq!(me.status(), 200);
    assert!(instances.cached_in_redis(user.id));

    let change = a
        .client
        .patch(a.url("/api/v1/users/me/password"))
        .bearer_auth(&old_token)
        .json(
            &json!({"current_password": TEST_PASSWORD, "new_password": "a brand new passphrase"}),
        );
    let changed = instances
        .with_redis_cut_for_a(async { change.send().await.expect("sent") })
        .await;
    assert_eq!(changed.status(), 200);
    tokio::time::sleep(past_the_bound()).await;

    let on_a = a.get_as("/api/v1/users/me", &old_token).await.status();
    let on_b = instances
        .get_from_b("/api/v1/users/me", &old_token)
        .await
        .status();
    assert_eq!((on_a.as_u16(), on_b.as_u16()), (401, 401), "(A, B)");
}
