//! What every use case that takes a token from an emailed link shares:
//! opening the token for its one purpose, and reading a write that no
//! longer finds what the link was issued for as a dead link.

use secrecy::{ExposeSecret, SecretString};

use super::Accounts;
use crate::{
    auth::{CheckedLink, LinkPurpose},
    error::ApiError,
    repo::RepoError,
};

impl Accounts {
    /// The link behind `token`, if it was issued for `purpose`, by us, and
    /// has not expired; any other token is one `invalid-link` answer, with
    /// nothing said about why.
    pub(crate) fn open_link(
        &self,
        purpose: LinkPurpose,
        token: &SecretString,
    ) -> Result<CheckedLink, ApiError> {
        self.links
            .check(purpose, token.expose_secret())
            .map_err(|_| ApiError::InvalidLink)
    }
}

/// An account or address that no longer matches a link makes it a dead
/// link, not a missing resource.
pub(crate) fn dead_link_or(error: RepoError) -> ApiError {
    match error {
        RepoError::NotFound => ApiError::InvalidLink,
        other => other.into(),
    }
}
