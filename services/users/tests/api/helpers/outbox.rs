//! Reading the test database's outbox: what the service announced.

use capstone_contracts::events::{Envelope, Event, LinkKind};
use capstone_platform::sealing::Sealer;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use secrecy::ExposeSecret;

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
    /// `email_verification_requested`), reset or address-change event for
    /// `email` (the address the email goes to), opened the way the worker
    /// opens it: the outbox itself only holds it sealed.
    pub async fn link_token(&self, email: &str) -> String {
        let (sealed, kind, user_id) = self
            .outbox(None)
            .await
            .into_iter()
            .rev()
            .find_map(|row| match row.envelope.event {
                Event::UserRegistered(e) if e.email == email => {
                    Some((e.verification, LinkKind::VerifyEmail, e.user_id))
                }
                Event::UserEmailVerificationRequested(e) if e.email == email => {
                    Some((e.verification, LinkKind::VerifyEmail, e.user_id))
                }
                Event::PasswordResetRequested(e) if e.email == email => {
                    Some((e.reset, LinkKind::ResetPassword, e.user_id))
                }
                Event::UserEmailChangeRequested(e) if e.new_email == email => {
                    Some((e.confirmation, LinkKind::ConfirmEmailChange, e.user_id))
                }
                Event::UserEmailChanged(e) if e.old_email == email => {
                    Some((e.undo, LinkKind::UndoEmailChange, e.user_id))
                }
                _ => None,
            })
            .expect("a link event for this address");
        self.sealer()
            .open(&sealed.sealed, &kind.sealing_context(user_id))
            .expect("the worker's keys open it")
            .expose_secret()
            .to_owned()
    }

    /// The id of the account registered for `email` (its `user.registered`).
    pub async fn registered_id(&self, email: &str) -> uuid::Uuid {
        // As the service stores it: a Unicode domain in its ASCII form.
        let email = capstone_users::domain::Email::lookup_form(email);
        self.outbox(Some("user.registered"))
            .await
            .into_iter()
            .rev()
            .find_map(|row| match row.envelope.event {
                Event::UserRegistered(e) if e.email.eq_ignore_ascii_case(&email) => Some(e.user_id),
                _ => None,
            })
            .expect("a user.registered event for this address")
    }

    /// What the worker opens sealed links with: the same keys.
    pub fn sealer(&self) -> Sealer {
        Sealer::from_settings(&self.settings.link_sealing, self.settings.environment)
            .expect("the test's sealing keys")
    }
}
