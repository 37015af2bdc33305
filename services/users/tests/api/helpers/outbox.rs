//! Reading the test database's outbox: what the service announced.

use capstone_contracts::events::{Envelope, Event};
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

use super::TestApp;

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Jsonb)]
    envelope: serde_json::Value,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One outbox row, decoded as a consumer would.
#[derive(Debug)]
pub struct OutboxEvent {
    pub envelope: Envelope,
    pub sent: bool,
}

impl TestApp {
    /// Every outbox row, oldest first, optionally only of `event_type`.
    pub async fn outbox(&self, event_type: Option<&str>) -> Vec<OutboxEvent> {
        let mut connection = self.database.connect().await;
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT envelope, sent_at FROM outbox \
             WHERE $1::text IS NULL OR event_type = $1 ORDER BY id",
        )
        .bind::<Nullable<Text>, _>(event_type)
        .load(&mut connection)
        .await
        .expect("outbox query");
        rows.into_iter()
            .map(|row| OutboxEvent {
                envelope: Envelope::decode(&serde_json::to_vec(&row.envelope).expect("json"))
                    .expect("every outbox row decodes"),
                sent: row.sent_at.is_some(),
            })
            .collect()
    }

    /// The link token of the newest verification (`registered` or
    /// `email_verification_requested`) or reset event for `email`.
    pub async fn link_token(&self, email: &str) -> String {
        self.outbox(None)
            .await
            .into_iter()
            .rev()
            .find_map(|row| match row.envelope.event {
                Event::UserRegistered(e) if e.email == email => Some(e.verification.token),
                Event::UserEmailVerificationRequested(e) if e.email == email => {
                    Some(e.verification.token)
                }
                Event::PasswordResetRequested(e) if e.email == email => Some(e.reset.token),
                _ => None,
            })
            .expect("a link event for this address")
    }
}
