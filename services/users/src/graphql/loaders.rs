//! Batching: a list of users asks for each one's sessions, and the
//! DataLoader turns those asks into one query (one `live_sessions` call)
//! instead of one per user, the N+1 a naive resolver makes.
//!
//! A loader is made per request: it carries the caller, so the use case
//! checks who may see which sessions, as it does for REST.

use std::{collections::HashMap, sync::Arc};

use actix_web::web;
use async_graphql::dataloader::Loader;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::{accounts::Accounts, auth::AuthenticatedUser, domain::Session, error::ApiError};

// ANCHOR: sessions_loader
/// Loads the live sessions of many users at once.
pub(crate) struct SessionsLoader {
    accounts: web::Data<Accounts>,
    caller: AuthenticatedUser,
    /// The request's span: the loader runs in a task of its own, and its
    /// query belongs in the request's trace.
    request_span: tracing::Span,
}

impl SessionsLoader {
    pub(crate) fn new(accounts: web::Data<Accounts>, caller: AuthenticatedUser) -> Self {
        Self {
            accounts,
            caller,
            request_span: tracing::Span::current(),
        }
    }
}

impl Loader<Uuid> for SessionsLoader {
    type Value = Vec<Session>;
    // Shared: every field that waited on this batch gets the same error.
    type Error = Arc<ApiError>;

    async fn load(&self, user_ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Session>>, Arc<ApiError>> {
        let span = tracing::info_span!(parent: &self.request_span, "load sessions", users = user_ids.len());
        self.accounts
            .live_sessions(&self.caller, user_ids)
            .instrument(span)
            .await
            .map_err(Arc::new)
    }
}
// ANCHOR_END: sessions_loader

impl std::fmt::Debug for SessionsLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionsLoader")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}
