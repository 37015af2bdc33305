//! No bearer secret at rest. Every link token the flows below mail out is
//! taken from its email, then looked for, byte for byte, everywhere the
//! system keeps things: every row of the users database (the outbox keeps
//! sent events for a week), every message the broker carried (a wiretap
//! queue bound to all events before anything was published) and every row
//! of the worker's database. It must be in the email, and nowhere else.

use std::time::Duration;

use diesel::{QueryableByName, sql_types::Text};
use diesel_async::RunQueryDsl;
use lapin::{
    Channel, Connection,
    options::{BasicGetOptions, QueueBindOptions, QueueDeclareOptions},
    types::FieldTable,
};
use serde_json::json;

use crate::helpers::{System, eventually, link_token};

const PASSWORD: &str = "correct horse battery";

/// A queue that receives a copy of every event published in the test's
/// namespace, read at the end.
struct BrokerTap {
    _connection: Connection,
    channel: Channel,
    queue: String,
}

impl BrokerTap {
    async fn attach(system: &System) -> Self {
        let connection = system.worker.broker.connect().await;
        let channel = connection.create_channel().await.expect("channel");
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        let queue = channel
            .queue_declare("".into(), options, FieldTable::default())
            .await
            .expect("wiretap queue")
            .name()
            .to_string();
        let exchange = system.worker.topology().exchange;
        channel
            .queue_bind(
                queue.as_str().into(),
                exchange.as_str().into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bound to every event");
        Self {
            _connection: connection,
            channel,
            queue,
        }
    }

    /// Every message body the broker carried, as text.
    async fn drain(&self) -> Vec<String> {
        let mut bodies = Vec::new();
        let options = BasicGetOptions { no_ack: true };
        while let Some(message) = self
            .channel
            .basic_get(self.queue.as_str().into(), options)
            .await
            .expect("basic.get")
        {
            bodies.push(String::from_utf8_lossy(&message.delivery.data).into_owned());
        }
        bodies
    }
}

#[derive(QueryableByName)]
struct RowText {
    #[diesel(sql_type = Text)]
    text: String,
}

/// Every row of `tables`, each as Postgres prints a row.
async fn dump(connection: &mut diesel_async::AsyncPgConnection, tables: &[&str]) -> String {
    let mut all = String::new();
    for table in tables {
        let rows: Vec<RowText> =
            diesel::sql_query(format!("SELECT t::text AS text FROM {table} t"))
                .load(connection)
                .await
                .expect("table dump");
        for row in rows {
            all.push_str(&row.text);
            all.push('\n');
        }
    }
    all
}

async fn post(client: &reqwest::Client, url: String, body: serde_json::Value) -> reqwest::Response {
    client.post(url).json(&body).send().await.expect("sent")
}

// ANCHOR: secrets_at_rest
#[tokio::test]
async fn link_tokens_reach_their_emails_and_nowhere_else() {
    let system = System::start().await;
    let tap = BrokerTap::attach(&system).await;
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", system.users);

    // Four links: verify (welcome), reset, confirm a new address, undo it.
    let account = json!({"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"});
    assert_eq!(
        post(&client, api("/auth/register"), account).await.status(),
        202
    );
    let forgot = post(
        &client,
        api("/auth/forgot-password"),
        json!({"email": "ada@example.com"}),
    );
    assert_eq!(forgot.await.status(), 202);
    let login: serde_json::Value = post(
        &client,
        api("/auth/login"),
        json!({"email": "ada@example.com", "password": PASSWORD}),
    )
    .await
    .json()
    .await
    .expect("tokens");
    let access = login["access_token"].as_str().expect("access token");
    let change = client
        .post(api("/users/me/email"))
        .bearer_auth(access)
        .json(&json!({"new_email": "ada@new.example", "current_password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(change.status(), 202);
    let emails = |count: usize| {
        let worker = &system.worker;
        eventually("the emails", Duration::from_secs(20), move || async move {
            let files = worker.emails.files();
            (files.len() >= count).then(|| {
                files
                    .iter()
                    .filter_map(|path| std::fs::read_to_string(path).ok())
                    .collect::<Vec<_>>()
            })
        })
    };
    let confirm_email = emails(3)
        .await
        .into_iter()
        .find(|e| e.contains("/confirm-email-change?"));
    let confirmation = link_token(
        &confirm_email.expect("the confirmation"),
        "/confirm-email-change",
    );
    let confirmed = post(
        &client,
        api("/auth/confirm-email-change"),
        json!({"token": confirmation}),
    );
    assert_eq!(
        confirmed.await.status(),
        204,
        "the mailed token is the real one"
    );

    let mailed = emails(4).await;
    let find = |path: &str| {
        let email = mailed
            .iter()
            .find(|email| email.contains(&format!("{path}?token=")));
        link_token(
            email.unwrap_or_else(|| panic!("an email with {path}")),
            path,
        )
    };
    let tokens = [
        find("/verify-email"),
        find("/reset-password"),
        confirmation,
        find("/undo-email-change"),
    ];

    // Everything the system keeps, once the worker has audited all five
    // events (registered, reset asked, change asked, updated, changed).
    eventually("the audit trail", Duration::from_secs(20), || async {
        (system.worker.audit_count().await >= 5).then_some(())
    })
    .await;
    let mut users_db = system.users_database.connect().await;
    let users_rows = dump(&mut users_db, &["outbox", "users", "refresh_tokens"]).await;
    let mut worker_db = system.worker.database.connect().await;
    let worker_rows = dump(&mut worker_db, &["audit_log", "processed_events"]).await;
    let carried = tap.drain().await;
    assert!(
        carried.len() >= 5,
        "the wiretap saw the events: {}",
        carried.len()
    );

    for token in &tokens {
        // The signature alone is enough to use nothing, but enough to find.
        let signature = token.rsplit('.').next().expect("a JWT");
        for (place, text) in [
            ("users database", &users_rows),
            ("worker database", &worker_rows),
        ] {
            assert!(!text.contains(signature), "a link token in the {place}");
        }
        let on_broker = carried.iter().any(|body| body.contains(signature));
        assert!(!on_broker, "a link token on the broker");
    }
}
// ANCHOR_END: secrets_at_rest
