//! Bootstrapping the first admin (`capstone seed --admin EMAIL`).
//!
//! Registration always creates plain users, and only admins can make admins,
//! so the first one needs a way in that is not the API: a command run by
//! whoever operates the database.

use capstone_platform::database;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    Settings,
    auth::{PasswordHasher, random::random_url_safe},
    domain::{DisplayName, Email, NewUser, Password, Role, UserChanges},
    events::EventOrigin,
    repo::UserRepository,
};

/// What `ensure_admin` did.
#[derive(Debug)]
pub enum AdminSeed {
    /// An existing account became an admin.
    Promoted,
    /// Nothing to do.
    AlreadyAdmin,
    /// No account had that email: one was created with this password, shown once.
    Created { password: SecretString },
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("`{0}` is not a valid email address")]
    InvalidEmail(String),
    #[error(transparent)]
    Database(#[from] database::DatabaseError),
    #[error("database query failed: {0}")]
    Repo(#[from] crate::repo::RepoError),
    #[error(transparent)]
    Hashing(#[from] crate::auth::PasswordHashError),
    #[error("could not generate a password: {0}")]
    Randomness(String),
}

// ANCHOR: ensure_admin
/// Makes the account with `email` an admin, creating it if needed.
pub async fn ensure_admin(settings: &Settings, email: &str) -> Result<AdminSeed, SeedError> {
    let email = Email::parse(email).map_err(|_| SeedError::InvalidEmail(email.to_owned()))?;
    let users = UserRepository::new(database::connect_pool(&settings.database).await?);
    if let Some((user, _)) = users.find_with_password_hash(email.as_str()).await? {
        if user.role == Role::Admin {
            return Ok(AdminSeed::AlreadyAdmin);
        }
        let promote = UserChanges {
            role: Some(Role::Admin),
            ..UserChanges::default()
        };
        // Announced like any role change, so the audit trail shows the promotion.
        users
            .update(user.id, &promote, |before, after| {
                Ok(vec![EventOrigin::default().updated(before, after, &[])])
            })
            .await?;
        forget_cached_user(settings, user.id).await;
        return Ok(AdminSeed::Promoted);
    }

    let password = generate_password()?;
    let parsed = Password::parse(password.expose_secret(), email.as_str())
        .map_err(|error| SeedError::Randomness(error.to_string()))?;
    let hash = PasswordHasher::new(&settings.users.auth.argon2)?
        .hash(&parsed)
        .await?;
    let display_name = DisplayName::parse("Administrator").map_err(|error| {
        SeedError::Randomness(format!("built-in display name rejected: {error}"))
    })?;
    let admin = NewUser::new(email, display_name, Role::Admin);
    users.insert_unannounced(&admin, Some(&hash)).await?;
    Ok(AdminSeed::Created { password })
}
// ANCHOR_END: ensure_admin

/// The services cache users in Redis; a promotion made from here must not
/// be hidden behind a cached copy for the Redis TTL. Best effort: without
/// Redis there is nothing cached there to forget. (Running instances' own
/// in-process copies expire within `users.cache.local_ttl_ms`.)
async fn forget_cached_user(settings: &Settings, id: uuid::Uuid) {
    let key = crate::cache::keys::user_key(&settings.redis.key_prefix, id);
    let forget = async {
        // The services' own connection: `rediss://`, `redis.tls_ca_file`
        // and `redis.cluster` too.
        let mut connection = capstone_platform::redis::RedisConnection::open(
            &settings.redis,
            std::time::Duration::from_secs(2),
        )
        .await?;
        redis::cmd("DEL")
            .arg(&key)
            .query_async::<()>(&mut connection)
            .await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), forget).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "cached user not forgotten in Redis"),
        Err(_) => tracing::warn!("Redis did not answer; cached user not forgotten"),
    }
}

/// 24 random bytes as base64url: 32 characters, ~192 bits.
fn generate_password() -> Result<SecretString, SeedError> {
    random_url_safe::<24>()
        .map(SecretString::from)
        .map_err(|error| SeedError::Randomness(error.to_string()))
}
