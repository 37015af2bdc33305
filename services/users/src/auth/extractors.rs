//! Who is calling: extractors that make each handler's access rule part of
//! its signature.
//!
//! * `AuthenticatedUser`: any valid access token (401 otherwise);
//! * `RequireRole<Admin>`: a valid token with the admin role (403 otherwise).
//!
//! Tokens come as `Authorization: Bearer <jwt>` and are checked by the
//! [`authenticate`] middleware, twice: by the shared `TokenVerifier` (the
//! same code the gateway runs), then against the stored account
//! ([`super::account_check`]), which only this service can do. The
//! extractors read what it proved.

use std::{
    future::{Ready, ready},
    marker::PhantomData,
};

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest, ResponseError,
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use capstone_contracts::{AccessClaims, Role};
use uuid::Uuid;

use super::current_account;
use crate::{
    accounts::Accounts,
    domain::{Permission, role_grants},
    error::ApiError,
};

// ANCHOR: authenticated_user
/// The caller, proven by a valid access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub id: Uuid,
    pub role: Role,
    /// The session the token was issued to (its `sid` claim), when it was
    /// issued to one.
    pub session: Option<Uuid>,
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

    /// The caller the [`authenticate`] middleware proved; 401 on a route it
    /// does not guard, so a misplaced handler fails closed.
    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let caller = req.extensions().get::<AuthenticatedUser>().copied();
        ready(caller.ok_or(ApiError::Unauthenticated))
    }
}

/// Middleware for every route that needs a caller (the `/users` scope):
/// the token is checked, and the account behind it, before anything else
/// about the request is looked at. An extractor could not promise that:
/// actix polls a handler's extractors together, so an invalid body or query
/// (ready at once) would answer before a caller without the right role got
/// its 403 (which waits for the account check).
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match authenticated(req.request()).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(refused) => {
            let response = refused.error_response();
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

/// The caller `req`'s bearer token speaks for, if it verifies and the
/// account behind it still holds what it says.
async fn authenticated(req: &HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let accounts = accounts(req)?;
    let claims = verify_bearer(req, accounts)?;
    // The signature says who the token was issued to; the stored account
    // says whether that still holds (deleted, disabled, demoted since?).
    // Its current role is the one that counts.
    let user = current_account(&claims, &accounts.cache, &accounts.users).await?;
    Ok(AuthenticatedUser {
        id: user.id,
        role: user.role,
        session: claims.sid,
    })
}

/// The claims of the bearer token, if it verifies (signature, expiry,
/// issuer, audience).
fn verify_bearer(req: &HttpRequest, accounts: &Accounts) -> Result<AccessClaims, ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or(ApiError::Unauthenticated)?;
    accounts.token_verifier().verify(token).map_err(|reason| {
        // The reason helps whoever debugs; the client only learns "401".
        tracing::info!(%reason, "access token refused");
        ApiError::Unauthenticated
    })
}
// ANCHOR_END: authenticated_user

/// The service's one state value, which holds what checking a token needs.
pub(crate) fn accounts(req: &HttpRequest) -> Result<&Accounts, ApiError> {
    req.app_data::<web::Data<Accounts>>()
        .map(|accounts| accounts.get_ref())
        .ok_or_else(|| ApiError::internal(MissingAppData))
}

/// A wiring bug (the app was built without the `Accounts` state), not a
/// client error.
#[derive(Debug, thiserror::Error)]
#[error("missing from the app data: Accounts")]
struct MissingAppData;

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

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let result = AuthenticatedUser::from_request(req, payload)
            .into_inner()
            .and_then(|user| {
                if user.role == R::ROLE {
                    Ok(RequireRole(user, PhantomData))
                } else {
                    Err(ApiError::Forbidden)
                }
            });
        ready(result)
    }
}
