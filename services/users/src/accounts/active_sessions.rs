//! The sessions a user has open: list them, end one.
//!
//! Logging out ends the session whose refresh token the client holds;
//! these end any of the caller's sessions by id (the laptop left at work),
//! and let an admin see anyone's.

use std::collections::HashMap;

use uuid::Uuid;

use super::Accounts;
use crate::{
    auth::AuthenticatedUser,
    domain::{Permission, Session},
    error::ApiError,
};

impl Accounts {
    /// The live sessions of each of `user_ids`, newest first, read in one
    /// query; every id is checked first (one's own, or `ReadAnyUser`).
    /// Users with no session map to an empty list.
    pub async fn live_sessions(
        &self,
        caller: &AuthenticatedUser,
        user_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Session>>, ApiError> {
        for id in user_ids {
            caller.require_self_or(*id, Permission::ReadAnyUser)?;
        }
        let mut by_user: HashMap<Uuid, Vec<Session>> =
            user_ids.iter().map(|id| (*id, Vec::new())).collect();
        let pool = self.reads.pool_for(caller.id).await;
        for session in self.sessions.reading_from(pool).live_for(user_ids).await? {
            by_user.entry(session.user_id).or_default().push(session);
        }
        Ok(by_user)
    }

    /// Ends the caller's session `session_id`. Its refresh token stops
    /// working at once; an access token already issued to it lives out its
    /// few minutes, as after a logout.
    pub async fn revoke_session(
        &self,
        caller: &AuthenticatedUser,
        session_id: Uuid,
    ) -> Result<(), ApiError> {
        if self.sessions.revoke(caller.id, session_id).await? {
            self.reads.wrote(caller.id).await;
            Ok(())
        } else {
            Err(ApiError::SessionNotFound(session_id))
        }
    }
}
