//! Rows locked by the test itself, to make a race certain instead of likely:
//! lock what the racing requests will need, start them, wait until Postgres
//! reports them all waiting, then let them go at once.

use capstone_platform::testing::{PATIENCE, eventually};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::TestApp;

/// Rows locked by a transaction of the test's own, to line concurrent
/// requests up behind them (see [`hold_rows`]).
pub struct HeldRows {
    connection: diesel_async::AsyncPgConnection,
    database: String,
    watcher: diesel_async::AsyncPgConnection,
}

/// Locks the `users` rows with these ids until
/// [`HeldRows::release_when_waiting`]: requests that touch them queue up,
/// so a test can start several and let them all go at once.
pub async fn hold_rows(app: &TestApp, ids: &[Uuid]) -> HeldRows {
    let mut connection = app.database.connect().await;
    diesel::sql_query("BEGIN")
        .execute(&mut connection)
        .await
        .expect("BEGIN");
    for id in ids {
        diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Uuid, _>(*id)
            .execute(&mut connection)
            .await
            .expect("row locked");
    }
    HeldRows {
        connection,
        database: app
            .database
            .settings
            .database_name()
            .expect("a database name"),
        watcher: app.database.connect().await,
    }
}

#[derive(diesel::QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

impl HeldRows {
    /// Waits (bounded) until `count` sessions of this database wait for a
    /// lock, then commits, releasing them together.
    pub async fn release_when_waiting(mut self, count: i64) {
        let what = format!("{count} sessions waiting for the held rows");
        // Each check borrows the connection for its query; a mutex lends
        // it to one check at a time (a plain `&mut` cannot leave the closure).
        let watcher = tokio::sync::Mutex::new(&mut self.watcher);
        let database = &self.database;
        eventually(&what, PATIENCE, || async {
            let mut watcher = watcher.lock().await;
            let waiting: Waiting = diesel::sql_query(
                "SELECT count(*) AS count FROM pg_stat_activity \
                 WHERE datname = $1 AND wait_event_type = 'Lock'",
            )
            .bind::<diesel::sql_types::Text, _>(database)
            .get_result(&mut **watcher)
            .await
            .expect("pg_stat_activity");
            if waiting.count >= count {
                Ok(())
            } else {
                Err(format!("{} sessions waiting", waiting.count))
            }
        })
        .await;
        diesel::sql_query("COMMIT")
            .execute(&mut self.connection)
            .await
            .expect("COMMIT");
    }
}
