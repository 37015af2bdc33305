//! Tokens for tests. The test suite configures the service with a known
//! signing key and keeps the same key itself, the way an identity provider
//! would, so a test can mint a token for any user and role without going
//! through login (login has its own tests).

use capstone_platform::sealing::{SealingKeySettings, SealingSettings};

use crate::{
    Settings,
    auth::{AccessTokenIssuer, Argon2Settings, SigningKeySettings},
    domain::Role,
};
use uuid::Uuid;

/// Made with `openssl genpkey -algorithm ed25519` for these tests alone; it
/// protects nothing anywhere.
const TEST_ONLY_SIGNING_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGgy6JAHcPVbyKAgonEXSElSSGXsd+KfNZcIMTFBFr6S
-----END PRIVATE KEY-----
";
const TEST_KID: &str = "test-key";

/// Settings the whole suite shares: the test key, and a cheap argon2 cost
/// (the benches measure the real one; tests check behaviour).
/// Signs emailed links in tests. Never use outside tests.
pub const TEST_ONLY_LINK_SECRET: &str = "test-only link secret, at least 32 bytes long";

/// Seals link tokens in tests (32 bytes, base64). Never use outside tests.
/// A worker that must open them takes [`test_sealing_settings`].
const TEST_ONLY_SEALING_KEY: &str = "dGVzdC1vbmx5IHNlYWxpbmcga2V5LCAzMiBieXRlcyE=";

/// The link-sealing keys of the test suite, for a worker under test.
pub fn test_sealing_settings() -> SealingSettings {
    SealingSettings {
        keys: vec![SealingKeySettings {
            id: "test".into(),
            key: Some(TEST_ONLY_SEALING_KEY.into()),
            key_file: None,
        }],
    }
}

pub fn configure_test_auth(settings: &mut Settings) {
    settings.link_sealing = test_sealing_settings();
    settings.users.auth.signing_keys = vec![SigningKeySettings {
        kid: TEST_KID.into(),
        private_key_pem: Some(TEST_ONLY_SIGNING_KEY_PEM.into()),
        private_key_file: None,
        publish_only: false,
    }];
    settings.users.auth.link_secret = Some(TEST_ONLY_LINK_SECRET.into());
    settings.users.auth.argon2 = Argon2Settings {
        memory_kib: 1_024,
        iterations: 1,
        parallelism: 1,
    };
}

/// An issuer with the same key and claims settings as the service.
pub fn test_token_issuer(settings: &Settings) -> AccessTokenIssuer {
    let auth = &settings.users.auth;
    AccessTokenIssuer::from_settings(
        &auth.signing_keys,
        &auth.issuer,
        &auth.audience,
        auth.access_token_ttl_secs,
    )
    .expect("issuer")
}

/// Signs arbitrary claims with the suite's key: for tokens the service would
/// never issue (expired, foreign audience…).
pub fn sign_claims(claims: &crate::auth::AccessClaims) -> String {
    capstone_platform::access_token::SigningKey::from_pem(TEST_KID, TEST_ONLY_SIGNING_KEY_PEM)
        .expect("test key")
        .sign(claims)
        .expect("signed")
}

/// A token for `user_id` with `role` and auth version 0 (a new account's),
/// as the service would issue it. The service checks tokens against the
/// stored account, so the account must exist with that role.
pub fn mint(issuer: &AccessTokenIssuer, user_id: Uuid, role: Role) -> String {
    issuer.issue_for(user_id, role, 0).expect("token").token
}
