//! The parts of the service that are built from settings alone, each with
//! its development fallback: the read replicas, the access-token issuer and
//! the link tokens.

use std::{sync::Arc, time::Duration};

use capstone_platform::{
    access_token::SigningKey,
    database::{PgPool, replicas::ReplicaSet},
    sealing::Sealer,
};
use chrono::TimeDelta;

use super::StartupError;
use crate::{
    auth::{AccessTokenIssuer, LinkLifetimes, LinkTokens, random::random_url_safe},
    settings::Settings,
};

/// The replicas of `[users.read_replicas]`, watched from now on (nothing
/// to watch, and the primary alone, without any).
pub(super) fn read_replicas(
    settings: &Settings,
    primary: &PgPool,
) -> Result<ReplicaSet, StartupError> {
    let replicas = &settings.users.read_replicas;
    let set = ReplicaSet::connect_lazily(
        primary.clone(),
        &settings.database,
        &replicas.urls,
        Duration::from_millis(replicas.max_lag_ms),
    )?;
    set.spawn_monitor(Duration::from_millis(replicas.poll_interval_ms));
    Ok(set)
}

/// Configured keys, or in development a fresh one (and a warning).
pub(super) fn access_token_issuer(settings: &Settings) -> Result<AccessTokenIssuer, StartupError> {
    let auth = &settings.users.auth;
    if auth.signing_keys.is_empty() {
        let kid = format!("dev-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S"));
        tracing::warn!(
            kid,
            "no signing keys configured: generated one for this process (development only); \
             tokens stop verifying when it exits"
        );
        return Ok(AccessTokenIssuer::new(
            vec![SigningKey::generate(&kid)?],
            &auth.issuer,
            &auth.audience,
            auth.access_token_ttl_secs,
        )?);
    }
    Ok(AccessTokenIssuer::from_settings(
        &auth.signing_keys,
        &auth.issuer,
        &auth.audience,
        auth.access_token_ttl_secs,
    )?)
}

/// The configured link secret, or in development a fresh one (and a warning).
pub(super) fn link_tokens(settings: &Settings) -> Result<LinkTokens, StartupError> {
    let auth = &settings.users.auth;
    let secret = match &auth.link_secret {
        Some(secret) => secret.clone(),
        None => {
            tracing::warn!(
                "no users.auth.link_secret configured: generated one for this process \
                 (development only); emailed links stop working when it exits"
            );
            random_url_safe::<32>()
                .map_err(|error| StartupError::LinkSecret(error.to_string()))?
                .into()
        }
    };
    let sealer = Sealer::from_settings(&settings.link_sealing, settings.environment)
        .map_err(|error| StartupError::LinkSecret(error.to_string()))?;
    let seconds = TimeDelta::seconds;
    Ok(LinkTokens::new(
        &secret,
        &auth.issuer,
        LinkLifetimes {
            verify_email: seconds(auth.email_verification_ttl_secs),
            reset_password: seconds(auth.password_reset_ttl_secs),
            confirm_email_change: seconds(auth.email_change_ttl_secs),
            undo_email_change: seconds(auth.email_change_undo_ttl_secs),
        },
        Arc::new(sealer),
    ))
}
