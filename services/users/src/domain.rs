//! The users domain: validated types and business rules, no I/O.
//!
//! A value of [`Email`] or [`DisplayName`] can only be made by `parse`, so
//! once one exists it is valid: code past the HTTP edge never re-checks.
//! Depends on nothing but `contracts` (the [`Role`] type is shared on the wire).

mod cursor;
mod display_name;
mod email;
mod invalid_value;
mod listing;
mod password;
mod permissions;
mod session;
mod user;

pub use capstone_contracts::Role;
pub use cursor::PageCursor;
pub use display_name::{DisplayName, MAX_DISPLAY_NAME_CHARS};
pub use email::{Email, MAX_EMAIL_LENGTH};
pub use invalid_value::InvalidValue;
pub use listing::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, UserFilter, UserListing};
pub use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Password};
pub use permissions::{Permission, permissions_of, role_grants};
pub use session::Session;
pub use user::{NewUser, User, UserChanges};
