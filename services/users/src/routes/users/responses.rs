//! What `/api/v1/users` sends back.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{Role, User};

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936d3c-8f5e-7b4a-9c1d-2e3f4a5b6c7d",
    "email": "ada@example.com",
    "display_name": "Ada Lovelace",
    "role": "user",
    "email_verified_at": null,
    "disabled_at": null,
    "created_at": "2026-11-24T10:00:00.123456Z",
    "updated_at": "2026-11-24T10:00:00.123456Z"
}))]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified_at: Option<DateTime<Utc>>,
    /// When an admin suspended the account; `null` while it is active.
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email.to_string(),
            display_name: user.display_name.to_string(),
            role: user.role,
            email_verified_at: user.email_verified_at,
            disabled_at: user.disabled_at,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// One page of users, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{
        "id": "01936d3c-8f5e-7b4a-9c1d-2e3f4a5b6c7d",
        "email": "ada@example.com",
        "display_name": "Ada Lovelace",
        "role": "user",
        "email_verified_at": null,
        "disabled_at": null,
        "created_at": "2026-11-24T10:00:00.123456Z",
        "updated_at": "2026-11-24T10:00:00.123456Z"
    }],
    "next_cursor": "v1.1795514400123456.01936d3c-8f5e-7b4a-9c1d-2e3f4a5b6c7d"
}))]
pub struct UserPage {
    pub items: Vec<UserResponse>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
