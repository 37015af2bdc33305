//! What a list request asks for: filters, page size and where to resume.

use chrono::{DateTime, Utc};

use super::{PageCursor, Role};

pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Bounded so one request cannot ask the database for the whole table.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Which users to list. Every filter is optional; all given ones must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive prefix of the email address.
    pub email_prefix: Option<String>,
    pub role: Option<Role>,
    /// Inclusive lower bound on `created_at`.
    pub created_after: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `created_at`. A range that holds no
    /// instant lists nothing: a valid question with an empty answer.
    pub created_before: Option<DateTime<Utc>>,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListing {
    pub filter: UserFilter,
    pub page_size: u32,
    /// Resume after this key; `None` for the first page.
    pub after: Option<PageCursor>,
}
