//! Starting users + worker (+ gateway) wired to each other.

use capstone_platform::Shutdown;
use capstone_platform::service::ServiceSettings as _;
pub use capstone_platform::testing::eventually;
use capstone_users::testing::{
    RedisNamespace, TestDatabase, configure_test_auth, test_sealing_settings,
};
use capstone_worker::testing::{TestBroker, TestWorker};

/// A users service whose relay publishes to the worker's broker namespace,
/// and that worker.
pub struct System {
    pub users: String,
    pub worker: TestWorker,
    users_shutdown: Shutdown,
    /// The users service's database (its outbox, for the secrets test).
    pub users_database: TestDatabase,
    _redis: RedisNamespace,
}

impl Drop for System {
    fn drop(&mut self) {
        self.users_shutdown.trigger();
    }
}

impl System {
    pub async fn start() -> Self {
        // First, before any service installs its own subscriber: every span
        // of this test binary is kept in memory (see traces.rs).
        capstone_platform::testing::traces::capture();
        // The worker opens what the users service seals: the same keys.
        let worker = TestWorker::spawn_with(
            TestBroker::new(),
            |settings| settings.link_sealing = test_sealing_settings(),
            |handlers| handlers,
        )
        .await;
        let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
        let mut settings = capstone_users::Settings::load(None).expect("settings load");
        settings.database = database.settings.clone();
        settings.amqp = worker.broker.amqp.clone();
        settings.users.http.port = 0;
        settings.users.http.workers = 2;
        configure_test_auth(&mut settings);
        let redis = RedisNamespace::new(&settings.redis);
        settings.redis.key_prefix = redis.prefix.clone();
        let users = capstone_users::Application::build(settings)
            .await
            .expect("users builds");
        let address = format!("http://127.0.0.1:{}", users.port());
        let shutdown = Shutdown::new();
        tokio::spawn(users.run_until_stopped(shutdown.clone()));
        Self {
            users: address,
            worker,
            users_shutdown: shutdown,
            users_database: database,
            _redis: redis,
        }
    }

    /// A gateway in front of this users service; its shutdown stops it.
    pub async fn gateway(&self) -> (String, Shutdown) {
        let mut settings = capstone_gateway::Settings::load(None).expect("settings load");
        settings.gateway.http.port = 0;
        settings.gateway.http.workers = 1;
        settings.redis.key_prefix = self._redis.prefix.clone();
        for upstream in settings.gateway.upstreams.values_mut() {
            upstream.instances = vec![self.users.parse().expect("url")];
        }
        let gateway = capstone_gateway::Application::build(settings)
            .await
            .expect("gateway builds");
        let address = format!("http://127.0.0.1:{}", gateway.port());
        let shutdown = Shutdown::new();
        tokio::spawn(gateway.run_until_stopped(shutdown.clone()));
        (address, shutdown)
    }
}

/// The token in the first `…?token=` link of an email.
pub fn link_token(email: &str, path: &str) -> String {
    let marker = format!("{path}?token=");
    let start = email.find(&marker).expect("the email has the link") + marker.len();
    email[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .expect("a token")
        .to_owned()
}
