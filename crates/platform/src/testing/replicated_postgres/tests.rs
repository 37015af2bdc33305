//! The fixture's own test: the pair replicates, refuses writes on the
//! replica, and survives the replica's death.

use super::*;

/// The replica's replay position has reached `lsn`.
async fn replayed_past(replica: &tokio_postgres::Client, lsn: &str) -> bool {
    let row = replica
        .query_one(
            "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
            &[&lsn],
        )
        .await
        .expect("replay position readable");
    row.get(0)
}

/// Where the primary's WAL is now: past every commit it has answered.
async fn current_lsn(primary: &tokio_postgres::Client) -> String {
    primary
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .await
        .expect("the primary's position")
        .get(0)
}

/// Rows in `notes`, as the replica sees them.
async fn notes_on(replica: &tokio_postgres::Client) -> i64 {
    replica
        .query_one("SELECT count(*) FROM notes", &[])
        .await
        .expect("read on the replica")
        .get(0)
}

#[tokio::test]
async fn the_replica_replays_the_primarys_writes_refuses_its_own_and_catches_up_after_a_stop() {
    let pair = ReplicatedPostgres::start().await;
    let primary = connect(&pair.primary("postgres")).await.expect("primary");
    primary
        .batch_execute("CREATE TABLE notes (id int); INSERT INTO notes VALUES (1)")
        .await
        .expect("written on the primary");
    let lsn = current_lsn(&primary).await;

    let replica = connect(&pair.replica("postgres")).await.expect("replica");
    let in_recovery: bool = replica
        .query_one("SELECT pg_is_in_recovery()", &[])
        .await
        .expect("asked")
        .get(0);
    assert!(in_recovery, "the replica is a standby");
    eventually(
        "the replica replaying the insert",
        Duration::from_secs(15),
        || replayed_past(&replica, &lsn),
    )
    .await;
    assert_eq!(notes_on(&replica).await, 1);

    let refused = replica
        .batch_execute("INSERT INTO notes VALUES (2)")
        .await
        .expect_err("a standby refuses writes");
    assert_eq!(
        refused.code(),
        Some(&tokio_postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION)
    );

    // Down: unreachable. Written meanwhile, then back: it catches up.
    pair.stop_replica();
    assert!(connect(&pair.replica("postgres")).await.is_err());
    primary
        .batch_execute("INSERT INTO notes VALUES (3)")
        .await
        .expect("the primary goes on alone");
    let lsn = current_lsn(&primary).await;
    pair.start_replica().await;
    let replica = connect(&pair.replica("postgres"))
        .await
        .expect("replica again");
    eventually("the replica catching up", Duration::from_secs(15), || {
        replayed_past(&replica, &lsn)
    })
    .await;
    assert_eq!(notes_on(&replica).await, 2);
}
