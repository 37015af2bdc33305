//! A verified access token is still refused when the account behind it
//! changed since it was issued: deleted, disabled, or with a newer auth
//! version (role change, password change or reset, undone address change).
//!
//! The signature proves who the token was issued to and what was true
//! then; only the stored account says what is true now. The check reads the
//! account through the users cache: an in-process hit on the instance that
//! made the change (which invalidates its own entry and Redis), and at most
//! `users.cache.local_ttl_ms` (5 s by default) of staleness on the others
//! for old tokens (when the writer could not delete the Redis copy, the
//! cache's own bound applies: a few seconds after Redis is reachable again,
//! see `cache::user_cache`). New tokens are never refused for a stale cache: one
//! newer than the cached account makes the check read the account again.
//! What it costs per request is in benches/access_tokens.rs.

use capstone_contracts::AccessClaims;

use crate::{cache::UserCache, domain::User, error::ApiError, repo::UserRepository};

/// Why a token that verifies was refused anyway (logged, never sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaleToken {
    #[error("the account no longer exists")]
    AccountGone,
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("the token predates a change to the account (auth version {token} < {current})")]
    Superseded { token: i32, current: i32 },
}

// ANCHOR: current_account
/// The account `claims` speak for, as it is now, if the token still holds.
pub async fn current_account(
    claims: &AccessClaims,
    cache: &UserCache,
    users: &UserRepository,
) -> Result<User, ApiError> {
    let mut user = cache
        .get_or_load(claims.sub, || users.find_optional(claims.sub))
        .await?;
    // Tokens are issued from the stored row, so a token newer than the
    // cached account means this instance's copy is behind a change made
    // elsewhere (another instance, `capstone seed`): read it again.
    if user
        .as_ref()
        .is_some_and(|user| user.auth_version < claims.ver)
    {
        cache.invalidate(claims.sub).await;
        user = cache
            .get_or_load(claims.sub, || users.find_optional(claims.sub))
            .await?;
    }
    let user = user.ok_or_else(|| refuse(claims, StaleToken::AccountGone))?;
    if user.is_disabled() {
        return Err(refuse(claims, StaleToken::AccountDisabled));
    }
    if user.auth_version != claims.ver {
        let current = user.auth_version;
        return Err(refuse(
            claims,
            StaleToken::Superseded {
                token: claims.ver,
                current,
            },
        ));
    }
    Ok(user)
}

/// The reason helps whoever debugs; the client only learns "401".
fn refuse(claims: &AccessClaims, reason: StaleToken) -> ApiError {
    tracing::info!(%reason, user_id = %claims.sub, "access token refused");
    ApiError::Unauthenticated
}
// ANCHOR_END: current_account
