//! Who is calling: extractors that make each handler's access rule part of
//! its signature.
//!
//! * `AuthenticatedUser`: any valid access token (401 otherwise);
//! * `RequireRole<Admin>`: a valid token with the admin role (403 otherwise).
//!
//! Tokens come as `Authorization: Bearer <jwt>` and are checked by the shared
//! `TokenVerifier` (the same code the gateway runs).

use std::{future::Ready, marker::PhantomData};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use capstone_contracts::Role;
use capstone_platform::access_token::TokenVerifier;
use uuid::Uuid;

use crate::{
    domain::{Permission, role_grants},
    error::ApiError,
};

// ANCHOR: authenticated_user
/// The caller, proven by a valid access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub id: Uuid,
    pub role: Role,
}

impl AuthenticatedUser {
    pub fn has(&self, permission: Permission) -> bool {
        role_grants(self.role, permission)
    }

    /// Allowed on one's own account, or with `permission` on anyone's.
    pub fn require_self_or(&self, user_id: Uuid, permission: Permission) -> Result<(), ApiError> {
        if self.id == user_id || self.has(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let verifier = req
        .app_data::<web::Data<TokenVerifier>>()
        .ok_or_else(|| ApiError::internal(MissingVerifier))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or(ApiError::Unauthenticated)?;
    let claims = verifier.verify(token).map_err(|reason| {
        // The reason helps whoever debugs; the client only learns "401".
        tracing::info!(%reason, "access token refused");
        ApiError::Unauthenticated
    })?;
    Ok(AuthenticatedUser {
        id: claims.sub,
        role: claims.role,
    })
}
// ANCHOR_END: authenticated_user

/// A wiring bug (the app was built without a verifier), not a client error.
#[derive(Debug, thiserror::Error)]
#[error("no TokenVerifier in the app data")]
struct MissingVerifier;

/// A role that `RequireRole` can demand.
pub trait RequiredRole {
    const ROLE: Role;
}

/// Marker for `RequireRole<Admin>`.
#[derive(Debug)]
pub struct Admin;

impl RequiredRole for Admin {
    const ROLE: Role = Role::Admin;
}

/// A caller with role `R`: 401 without a valid token, 403 with another role.
#[derive(Debug)]
pub struct RequireRole<R>(pub AuthenticatedUser, PhantomData<R>);

impl<R: RequiredRole> FromRequest for RequireRole<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let result = authenticate(req).and_then(|user| {
            if user.role == R::ROLE {
                Ok(RequireRole(user, PhantomData))
            } else {
                Err(ApiError::Forbidden)
            }
        });
        std::future::ready(result)
    }
}
