//! Accounts made directly in a test database, for states the API cannot
//! reach on its own: the first admin (an admin is made by an admin, or by
//! `capstone seed`, and neither exists yet).

use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::TestDatabase;

/// Inserts an active admin, created in 2000 so that it sorts after every
/// account a test makes in newest-first listings; its id. A token for it
/// is `identity::mint(issuer, id, Role::Admin)` (auth version 0).
pub async fn insert_admin(database: &TestDatabase, email: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mut connection = database.connect().await;
    diesel::sql_query(
        "INSERT INTO users (id, email, display_name, role, created_at) \
         VALUES ($1, $2, 'Test Admin', 'admin', '2000-01-01T00:00:00Z')",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Text, _>(email)
    .execute(&mut connection)
    .await
    .expect("the test admin is inserted");
    id
}
