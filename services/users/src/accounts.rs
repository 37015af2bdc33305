//! The application layer: one function per use case, each the whole of it.
//!
//! A handler extracts and validates what the request carries, calls one
//! method of [`Accounts`] and shapes the answer. Everything in between lives
//! here: which repository call, which transaction and which event in it
//! (the outbox), which cache entry to invalidate after the commit, which
//! sessions end. So a use case reads top to bottom in one place, and two
//! routes that do the same thing (a new password, after a change or a reset)
//! call the same code.
//!
//! Depends on `domain`, `repo`, `cache`, `auth` and `events`; never on
//! `routes` (the results are plain values, not HTTP responses). Errors are
//! [`ApiError`](crate::error::ApiError)s: the service's one error type,
//! each variant documented with the status it becomes.
//!
//! | module | use cases |
//! |---|---|
//! | [`registration`] | `register` (enumeration-safe), `create_user` (by an admin) |
//! | [`sessions`] | `login`, `refresh`, `logout`; `start_session` |
//! | [`active_sessions`] | `live_sessions` (batched, for GraphQL), `revoke_session` |
//! | [`passwords`] | `change_password`, `forgot_password`, `reset_password`; the one `replace_password` they share |
//! | [`email_verification`] | `verify_email`, `request_verification_email` |
//! | [`email_change`] | `request_email_change`, `confirm_email_change`, `undo_email_change` |
//! | `emailed_links` | what the link-taking use cases share: `open_link`, `dead_link_or` |
//! | [`administration`] | `update_user`, `delete_user`, `list_users` |
//! | [`profile`] | `get_user` (through the cache) |
//! | [`uniform_response`] | the floor under answers that must not tell who has an account |
//!
//! Explained in docs/src/frameworks.md ("The layers of a service") and
//! docs/src/adr/0009-an-application-layer.md.

pub mod active_sessions;
pub mod administration;
pub mod email_change;
pub mod email_verification;
mod emailed_links;
pub mod passwords;
pub mod profile;
pub mod registration;
pub mod sessions;
pub mod uniform_response;

pub use sessions::TokenPair;
pub use uniform_response::UniformResponse;

use capstone_platform::access_token::TokenVerifier;

use crate::{
    auth::{AccessTokenIssuer, LinkTokens, LoginThrottle, PasswordHasher},
    cache::UserCache,
    read_replicas::ReadRouter,
    repo::{SessionRepository, UserRepository},
};

// ANCHOR: accounts
/// Everything the use cases need, built once at startup and registered as
/// the service's one `web::Data<Accounts>`. Cheap to clone: every field is
/// a handle (a pool, an `Arc`, a Redis connection manager).
#[derive(Clone)]
pub struct Accounts {
    pub(crate) users: UserRepository,
    pub(crate) sessions: SessionRepository,
    pub(crate) cache: UserCache,
    pub(crate) tokens: AccessTokenIssuer,
    /// This service's own check of access tokens (the gateway checks them
    /// too, at the edge), run by `auth::authenticate`.
    pub(crate) verifier: TokenVerifier,
    pub(crate) links: LinkTokens,
    pub(crate) passwords: PasswordHasher,
    pub(crate) login_throttle: LoginThrottle,
    pub(crate) uniform_response: UniformResponse,
    /// Where stale-tolerant reads go, and the writes that steer them.
    pub(crate) reads: ReadRouter,
}
// ANCHOR_END: accounts

// Hand-written: most parts are handles with nothing useful to print, and
// some hold keys.
impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("uniform_response", &self.uniform_response)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// The issuer, for the JWKS route (`/.well-known/jwks.json`).
    pub fn token_issuer(&self) -> &AccessTokenIssuer {
        &self.tokens
    }

    /// The access-token check the `authenticate` middleware runs.
    pub fn token_verifier(&self) -> &TokenVerifier {
        &self.verifier
    }

    /// The users cache, for the account check behind every token.
    pub fn cache(&self) -> &UserCache {
        &self.cache
    }
}
