//! What a list request asks for: filters, page size and where to resume.

use chrono::{DateTime, Utc};

use super::{InvalidValue, PageCursor, Role};

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
    /// Exclusive upper bound on `created_at`.
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

impl UserFilter {
    /// A time range must not be empty: `created_after` before `created_before`.
    pub fn check_range(&self) -> Result<(), InvalidValue> {
        match (self.created_after, self.created_before) {
            (Some(after), Some(before)) if after >= before => Err(InvalidValue::new(
                "range",
                "must be later than created_after",
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn an_empty_time_range_is_refused() {
        let now = Utc::now();
        let filter = UserFilter {
            created_after: Some(now),
            created_before: Some(now - TimeDelta::seconds(1)),
            ..UserFilter::default()
        };
        assert_eq!(filter.check_range().expect_err("empty").code, "range");
    }

    #[test]
    fn open_ended_ranges_are_fine() {
        let filter = UserFilter {
            created_after: Some(Utc::now()),
            ..UserFilter::default()
        };
        assert!(filter.check_range().is_ok());
    }
}
