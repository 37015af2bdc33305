//! What can be read: the caller, a user, a page of users. Every resolver
//! calls the same use case as its REST route, with the caller, and the use
//! case decides who may see what.

use actix_web::web;
use async_graphql::{
    Context, InputObject, Object, Result,
    connection::{Connection, Edge},
};
use capstone_platform::FieldError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    Caller,
    objects::{RoleValue, User},
};
use crate::{
    accounts::Accounts,
    domain::{
        DEFAULT_PAGE_SIZE, MAX_EMAIL_LENGTH, MAX_PAGE_SIZE, PageCursor, UserFilter, UserListing,
    },
    error::ApiError,
};

/// The root of every read.
#[derive(Debug, Default)]
pub struct Query;

/// Which users to list; every filter given must match.
#[derive(Debug, Default, InputObject)]
pub struct UsersFilter {
    /// Only emails starting with this text (case-insensitive).
    pub email_prefix: Option<String>,
    pub role: Option<RoleValue>,
    /// Created at or after this instant.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before this instant.
    pub created_before: Option<DateTime<Utc>>,
}

#[Object]
impl Query {
    /// The caller's own account.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        Ok(User(accounts.get_user(&caller.user, caller.user.id).await?))
    }

    /// A user by id: one's own, or anyone's for an admin.
    async fn user(&self, ctx: &Context<'_>, id: Uuid) -> Result<User> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        Ok(User(accounts.get_user(&caller.user, id).await?))
    }

    // ANCHOR: users_connection
    /// Users, newest first, a page at a time (admins only). `after` is the
    /// `endCursor` of the page before; `first` is 1 to 100 (20 if left out).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<UsersFilter>,
    ) -> Result<Connection<String, User>> {
        let (accounts, caller) = (ctx.data::<web::Data<Accounts>>()?, ctx.data::<Caller>()?);
        let listing = listing(first, after.as_deref(), filter)?;
        let page = accounts.list_users(&caller.user, &listing).await?;
        let mut connection = Connection::new(listing.after.is_some(), page.next_cursor.is_some());
        connection.edges.extend(page.users.into_iter().map(|user| {
            let cursor = PageCursor {
                created_at: user.created_at,
                id: user.id,
            };
            Edge::new(cursor.encode(), User(user))
        }));
        Ok(connection)
    }
    // ANCHOR_END: users_connection
}

/// The arguments as the use case's listing, or every invalid one at once.
fn listing(
    first: Option<i32>,
    after: Option<&str>,
    filter: Option<UsersFilter>,
) -> Result<UserListing, ApiError> {
    let mut invalid = Vec::new();
    let page_size = match first {
        None => DEFAULT_PAGE_SIZE,
        Some(first) => match u32::try_from(first) {
            Ok(size) if (1..=MAX_PAGE_SIZE).contains(&size) => size,
            _ => {
                invalid.push(FieldError::new(
                    &["first"],
                    "range",
                    "must be between 1 and 100",
                ));
                DEFAULT_PAGE_SIZE
            }
        },
    };
    let after = match after.map(PageCursor::decode).transpose() {
        Ok(after) => after,
        Err(error) => {
            invalid.push(FieldError::new(&["after"], error.code, error.message));
            None
        }
    };
    let filter = filter.unwrap_or_default();
    if let Some(prefix) = &filter.email_prefix {
        // The same rules as the REST query parameter.
        let length = prefix.chars().count();
        if length == 0 || length > MAX_EMAIL_LENGTH {
            invalid.push(FieldError::new(
                &["filter", "emailPrefix"],
                "length",
                "must be 1 to 254 characters long",
            ));
        } else if prefix.chars().any(char::is_control) {
            invalid.push(FieldError::new(
                &["filter", "emailPrefix"],
                "control_characters",
                "must not contain control characters such as NUL or newlines",
            ));
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::Invalid(invalid));
    }
    Ok(UserListing {
        filter: UserFilter {
            email_prefix: filter.email_prefix,
            role: filter.role.map(Into::into),
            created_after: filter.created_after,
            created_before: filter.created_before,
        },
        page_size,
        after,
    })
}
