//! Real users services: several instances over one database and one Redis
//! prefix, as a deployment behind the gateway would run them.

use capstone_platform::Shutdown;
use capstone_platform::service::ServiceSettings as _;
use capstone_users::{
    Application, Settings,
    auth::AccessTokenIssuer,
    domain::Role,
    testing::{
        RedisNamespace, TestDatabase, configure_test_auth, insert_admin, mint, test_token_issuer,
    },
};
use uuid::Uuid;

pub struct UsersCluster {
    /// `http://127.0.0.1:<port>` per instance.
    pub addresses: Vec<String>,
    /// Signs tokens the instances (and so the gateway) accept.
    pub tokens: AccessTokenIssuer,
    shutdowns: Vec<Shutdown>,
    _database: TestDatabase,
    _redis: RedisNamespace,
}

impl Drop for UsersCluster {
    fn drop(&mut self) {
        for shutdown in &self.shutdowns {
            shutdown.trigger();
        }
    }
}

impl UsersCluster {
    /// `count` instances sharing a fresh test database and Redis prefix.
    pub async fn start(count: usize) -> Self {
        let database = TestDatabase::from_template(capstone_users::migrations::MIGRATIONS).await;
        let mut settings = Settings::load(None).expect("settings load");
        settings.database = database.settings.clone();
        settings.users.http.port = 0;
        settings.users.http.workers = 1;
        settings.users.outbox.relay_enabled = false;
        configure_test_auth(&mut settings);
        let redis = RedisNamespace::new(&settings.redis);
        settings.redis.key_prefix = redis.prefix.clone();
        let tokens = test_token_issuer(&settings);

        let mut addresses = Vec::new();
        let mut shutdowns = Vec::new();
        for _ in 0..count {
            let application = Application::build(settings.clone())
                .await
                .expect("users builds");
            addresses.push(format!("http://127.0.0.1:{}", application.port()));
            let shutdown = Shutdown::new();
            tokio::spawn(application.run_until_stopped(shutdown.clone()));
            shutdowns.push(shutdown);
        }
        Self {
            addresses,
            tokens,
            shutdowns,
            _database: database,
            _redis: redis,
        }
    }

    /// A token for `user_id` with `role` and a fresh account's auth version;
    /// the users service accepts it only if that account exists.
    pub fn token_for(&self, user_id: Uuid, role: Role) -> String {
        mint(&self.tokens, user_id, role)
    }

    /// A new admin account in the cluster's database, and a token for it.
    pub async fn admin_token(&self) -> String {
        let id = insert_admin(&self._database, "gateway-admin@example.com").await;
        self.token_for(id, Role::Admin)
    }
}
