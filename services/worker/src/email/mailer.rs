//! The mailer: turns an event into an email ([`Mailer::compose`]) and
//! delivers it to the configured sink ([`Mailer::send`]). Two steps, so the
//! consumer can tell "this event sends nothing" from "sending failed", and
//! log each.

use std::sync::Arc;

use capstone_contracts::events::Envelope;
use capstone_platform::sealing::Sealer;
use lettre::message::Mailbox;
use uuid::Uuid;

use super::{
    file_sink::FileSink,
    message,
    settings::{EmailSettings, EmailSinkKind},
    smtp_sink::SmtpSink,
    templates,
};

/// Why an email was not sent. The consumer retries [`Transient`] failures,
/// dead-letters [`Permanent`] ones, and pauses on [`Unavailable`] until
/// the mail server answers.
///
/// [`Transient`]: EmailError::Transient
/// [`Permanent`]: EmailError::Permanent
/// [`Unavailable`]: EmailError::Unavailable
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// Retrying cannot help: a recipient address that does not parse, an
    /// SMTP 5xx rejection, a server lacking a needed extension.
    #[error("email cannot be sent: {0}")]
    Permanent(String),
    /// May work later: the mail server is down, slow or says 4xx, the disk
    /// is full.
    #[error("email not sent (worth retrying): {0}")]
    Transient(String),
    /// The mail server cannot be reached at all (connection refused or
    /// reset, no route, connect timeout): every email would fail alike.
    #[error("the mail server cannot be reached: {0}")]
    Unavailable(String),
}

impl EmailError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

pub struct Mailer {
    from: Mailbox,
    link_base_url: String,
    /// Opens the sealed link tokens events carry.
    sealer: Arc<Sealer>,
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    File(FileSink),
    Smtp(SmtpSink),
}

impl std::fmt::Debug for Mailer {
    // By hand, to print the sink's target only: never the SMTP credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("link_base_url", &self.link_base_url)
            .field("sink", &self.sink)
            .finish()
    }
}

impl Mailer {
    /// Builds the sink once, at startup: creates the file sink's directory,
    /// or the SMTP transport (which connects per email, so a mail server
    /// that is down now does not stop the worker from starting).
    ///
    /// Call [`EmailSettings::validate`] first for errors that name the key.
    pub fn new(settings: &EmailSettings, sealer: Arc<Sealer>) -> Result<Self, EmailError> {
        let from = settings.from.parse::<Mailbox>().map_err(|error| {
            EmailError::Permanent(format!("worker.email.from is not a mailbox: {error}"))
        })?;
        let sink = match settings.sink {
            EmailSinkKind::File => Sink::File(FileSink::new(&settings.directory)?),
            EmailSinkKind::Smtp => Sink::Smtp(SmtpSink::new(&settings.smtp)?),
        };
        Ok(Self {
            from,
            link_base_url: settings.link_base_url.clone(),
            sealer,
            sink,
        })
    }

    /// The email an event causes, or None for events that send none
    /// (user.updated, user.deleted).
    pub fn compose(&self, envelope: &Envelope) -> Result<Option<lettre::Message>, EmailError> {
        let links = templates::LinkWriter {
            base: &self.link_base_url,
            sealer: &self.sealer,
        };
        match templates::render(&envelope.event, links)? {
            Some(email) => message::build(&self.from, envelope, email).map(Some),
            None => Ok(None),
        }
    }

    /// `Ok` once the sink can take an email: an SMTP `NOOP` on a fresh
    /// connection; always for the file sink (a full disk is `Transient`).
    pub async fn probe(&self) -> Result<(), EmailError> {
        match &self.sink {
            Sink::File(_) => Ok(()),
            Sink::Smtp(sink) => sink.probe().await,
        }
    }

    /// Sends it; returns where it went (the .eml path, or "smtp://host:port")
    /// for the log line.
    pub async fn send(
        &self,
        event_id: Uuid,
        message: &lettre::Message,
    ) -> Result<String, EmailError> {
        match &self.sink {
            Sink::File(sink) => {
                let path = sink.write(event_id, message.formatted()).await?;
                Ok(path.display().to_string())
            }
            Sink::Smtp(sink) => sink.send(message).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use capstone_contracts::{
        Role,
        events::{Event, UserDeleted, UserUpdated},
    };

    use super::super::{
        smtp_test_server::{Reply, SmtpTestServer},
        templates::tests::{BASE, own_sealer, registered, token},
    };
    use super::*;

    /// A mailer writing into a fresh directory, removed when dropped.
    struct FileMailer {
        mailer: Mailer,
        directory: PathBuf,
    }

    impl Drop for FileMailer {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.directory);
        }
    }

    fn file_mailer() -> FileMailer {
        let directory = std::env::temp_dir().join(format!("capstone-email-{}", Uuid::now_v7()));
        let settings = EmailSettings {
            directory: directory.clone(),
            ..EmailSettings::default()
        };
        let mailer = Mailer::new(&settings, own_sealer()).expect("a file mailer");
        FileMailer { mailer, directory }
    }

    fn verify_link() -> String {
        format!("{BASE}/verify-email?token={}", token())
    }

    #[tokio::test]
    async fn the_file_sink_writes_the_email_as_event_id_dot_eml() {
        let sink = file_mailer();
        let envelope = Envelope::new(registered("Ada"));
        let message = sink
            .mailer
            .compose(&envelope)
            .expect("composes")
            .expect("an email");

        let path = sink
            .mailer
            .send(envelope.id, &message)
            .await
            .expect("written");

        assert_eq!(
            PathBuf::from(&path),
            sink.directory.join(format!("{}.eml", envelope.id))
        );
        let raw = std::fs::read_to_string(&path).expect("readable");
        assert!(
            raw.contains(&format!("Message-ID: <{}@capstone.local>", envelope.id)),
            "{raw}"
        );
        assert!(raw.contains("To: Ada <ada@example.com>"), "{raw}");
        assert!(raw.contains("Subject: Welcome to Capstone, Ada"), "{raw}");
        assert!(raw.lines().any(|line| line == verify_link()), "{raw}");
    }

    #[tokio::test]
    async fn sending_one_event_twice_leaves_one_file() {
        let sink = file_mailer();
        let envelope = Envelope::new(registered("Ada"));
        let message = sink
            .mailer
            .compose(&envelope)
            .expect("composes")
            .expect("an email");

        sink.mailer
            .send(envelope.id, &message)
            .await
            .expect("first");
        sink.mailer
            .send(envelope.id, &message)
            .await
            .expect("second");

        let files = std::fs::read_dir(&sink.directory)
            .expect("listable")
            .count();
        assert_eq!(files, 1);
    }

    #[test]
    fn updates_and_deletions_compose_to_none() {
        let sink = file_mailer();
        let updated = Event::UserUpdated(UserUpdated {
            user_id: Uuid::now_v7(),
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            role: Role::User,
            email_verified: true,
            changed: vec!["display_name".into()],
        });
        let deleted = Event::UserDeleted(UserDeleted {
            user_id: Uuid::now_v7(),
        });
        for event in [updated, deleted] {
            let composed = sink
                .mailer
                .compose(&Envelope::new(event))
                .expect("no error");
            assert!(composed.is_none());
        }
    }

    #[test]
    fn an_unparseable_recipient_is_permanent() {
        let sink = file_mailer();
        let mut event = registered("Ada");
        if let Event::UserRegistered(registered) = &mut event {
            registered.email = "ada at example dot com".into();
        }

        let error = sink
            .mailer
            .compose(&Envelope::new(event))
            .expect_err("bad address");

        assert!(matches!(error, EmailError::Permanent(_)), "{error:?}");
    }

    #[tokio::test]
    async fn the_smtp_sink_delivers_the_composed_email() {
        let server = SmtpTestServer::start(Reply::Accept).await;
        let mut settings = EmailSettings {
            sink: EmailSinkKind::Smtp,
            ..EmailSettings::default()
        };
        settings.smtp.port = server.port();
        let mailer = Mailer::new(&settings, own_sealer()).expect("an SMTP mailer");
        let envelope = Envelope::new(registered("Ada"));
        let message = mailer
            .compose(&envelope)
            .expect("composes")
            .expect("an email");

        let target = mailer.send(envelope.id, &message).await.expect("accepted");

        assert_eq!(target, format!("smtp://127.0.0.1:{}", server.port()));
        let data = server.received().await.expect("DATA captured");
        assert!(data.contains("Subject: Welcome to Capstone, Ada"), "{data}");
        assert!(data.lines().any(|line| line == verify_link()), "{data}");
    }
}
