//! The SMTP sink: hands each email to an SMTP server (Mailpit in compose, a
//! relay in production), plain or over TLS (`worker.email.smtp.tls`), and
//! sorts failures into worth-retrying or not.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::{
        self,
        authentication::Credentials,
        client::{Certificate, CertificateStore, Tls, TlsParameters},
    },
};
use secrecy::ExposeSecret;

use super::{
    mailer::EmailError,
    settings::{SmtpSettings, SmtpTls},
};

pub(super) struct SmtpSink {
    /// Built once at startup. Without lettre's `pool` feature it opens one
    /// connection per email, which is plenty for a few emails a second and
    /// leaves no idle connection for a server to drop.
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `smtp://host:port`, for logs.
    target: String,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpSink {
    // By hand: the transport holds the credentials (lettre hides the
    // password, but keep what is printed deliberate).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("target", &self.target)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpSink {
    /// Fails only for an unusable `tls_ca_file` (which validation reports
    /// first, naming the key).
    pub(super) fn new(settings: &SmtpSettings) -> Result<Self, EmailError> {
        let timeout = Duration::from_millis(settings.timeout_ms);
        // `builder_dangerous` starts from plain SMTP on the given port
        // (`relay`/`starttls_relay` would also pick the port); `tls` then
        // says what protects it.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(timeout))
            .tls(tls(settings)?);
        if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        let scheme = match settings.tls {
            SmtpTls::None => "smtp",
            SmtpTls::Starttls => "smtp+starttls",
            SmtpTls::Tls => "smtps",
        };
        Ok(Self {
            transport: builder.build(),
            target: format!("{scheme}://{}:{}", settings.host, settings.port),
            timeout,
        })
    }

    /// Sends the email and returns `smtp://host:port` for the log line.
    pub(super) async fn send(&self, message: &Message) -> Result<String, EmailError> {
        let raw = message.formatted();
        // lettre's async transport applies its timeout to connecting only; a
        // server that accepts and then stalls would hold this consumer
        // forever. Bound the whole exchange.
        let sent = tokio::time::timeout(
            self.timeout,
            self.transport.send_raw(message.envelope(), &raw),
        )
        .await;
        match sent {
            Ok(Ok(_response)) => Ok(self.target.clone()),
            Ok(Err(error)) => Err(classify(&self.target, &error)),
            Err(_elapsed) => Err(EmailError::Transient(format!(
                "{} did not finish within {} ms",
                self.target,
                self.timeout.as_millis()
            ))),
        }
    }
}

impl SmtpSink {
    /// Opens a connection and says `NOOP`: whether an email could go now.
    pub(super) async fn probe(&self) -> Result<(), EmailError> {
        let tested = tokio::time::timeout(self.timeout, self.transport.test_connection()).await;
        match tested {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(EmailError::Unavailable(format!(
                "{} did not answer NOOP",
                self.target
            ))),
            Ok(Err(error)) => Err(classify(&self.target, &error)),
            Err(_elapsed) => Err(EmailError::Unavailable(format!(
                "{} did not answer within {} ms",
                self.target,
                self.timeout.as_millis()
            ))),
        }
    }
}

// ANCHOR: smtp_tls
/// lettre's TLS mode for `settings.tls`: `Required` (never `Opportunistic`)
/// for STARTTLS, `Wrapper` for TLS from the first byte. Roots as in
/// `platform::tls`: Mozilla's plus `tls_ca_file`; the crypto is ring (lettre's
/// `ring` feature, or the process default if one was installed).
fn tls(settings: &SmtpSettings) -> Result<Tls, EmailError> {
    let parameters = || {
        let mut builder = TlsParameters::builder(settings.host.clone())
            .certificate_store(CertificateStore::WebpkiRoots);
        if let Some(path) = &settings.tls_ca_file {
            let pem = capstone_platform::tls::read_ca_file(path).map_err(|e| e.to_string())?;
            let certificates = Certificate::from_pem(&pem).map_err(|e| e.to_string())?;
            builder = builder.add_root_certificate(certificates);
        }
        builder.build_rustls().map_err(|e| e.to_string())
    };
    let invalid =
        |reason: String| EmailError::Permanent(format!("worker.email.smtp.tls_ca_file: {reason}"));
    Ok(match settings.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => Tls::Required(parameters().map_err(invalid)?),
        SmtpTls::Tls => Tls::Wrapper(parameters().map_err(invalid)?),
    })
}
// ANCHOR_END: smtp_tls

/// Permanent for what a retry cannot fix: a 5xx reply (unknown mailbox,
/// rejected content, failed login) and a server lacking what this email
/// needs (lettre's "client" errors, e.g. no 8BITMIME). Unavailable when no
/// conversation happened: the connection was refused, reset or timed out
/// (an I/O error under lettre's), which no email would get past. Transient
/// for the rest: 4xx replies (greylisting, full mailbox) and garbled replies.
fn classify(target: &str, error: &smtp::Error) -> EmailError {
    let message = format!("{target}: {error}");
    if error.is_permanent() || error.is_client() {
        EmailError::Permanent(message)
    } else if error.is_transient() || error.is_response() || error.is_tls() {
        EmailError::Transient(message)
    } else if caused_by_io(error) {
        EmailError::Unavailable(message)
    } else {
        EmailError::Transient(message)
    }
}

/// Whether a connection-level I/O error (refused, reset, unreachable,
/// timed out) is in `error`'s chain of causes. Not any I/O error: a failed
/// TLS handshake (an untrusted certificate) arrives as `InvalidData`, and
/// is a configuration problem to retry and report, not an outage.
fn caused_by_io(error: &smtp::Error) -> bool {
    use std::io::ErrorKind;
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::NotConnected
                    | ErrorKind::TimedOut
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::AddrNotAvailable
            );
        }
        cause = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    // Delivery of a whole composed email is tested in `mailer.rs`; these
    // cover the failures.
    use super::super::smtp_test_server::{Reply, SmtpTestServer};
    use super::*;

    fn settings(port: u16) -> SmtpSettings {
        SmtpSettings {
            port,
            timeout_ms: 2_000,
            ..SmtpSettings::default()
        }
    }

    fn message() -> Message {
        Message::builder()
            .from("no-reply@capstone.local".parse().expect("mailbox"))
            .to("nobody@example.com".parse().expect("mailbox"))
            .subject("Confirm your email address")
            .body(String::from("Hello"))
            .expect("builds")
    }

    #[tokio::test]
    async fn a_550_for_the_recipient_is_permanent() {
        let server = SmtpTestServer::start(Reply::RejectRecipient).await;
        let sink = SmtpSink::new(&settings(server.port())).expect("plain");

        let error = sink.send(&message()).await.expect_err("rejected");

        assert!(matches!(error, EmailError::Permanent(_)), "{error:?}");
        assert!(error.to_string().contains("550"), "{error}");
    }

    #[tokio::test]
    async fn a_server_that_is_not_listening_is_unavailable_and_fails_the_probe() {
        let port = SmtpTestServer::unused_port().await;
        let sink = SmtpSink::new(&settings(port)).expect("plain");

        let error = sink.send(&message()).await.expect_err("refused");
        let probed = sink.probe().await;

        assert!(matches!(error, EmailError::Unavailable(_)), "{error:?}");
        assert!(
            matches!(probed, Err(EmailError::Unavailable(_))),
            "{probed:?}"
        );
    }

    #[tokio::test]
    async fn a_server_that_answers_passes_the_probe() {
        let server = SmtpTestServer::start(Reply::Accept).await;
        let sink = SmtpSink::new(&settings(server.port())).expect("plain");

        let probed = sink.probe().await;

        assert!(probed.is_ok(), "{probed:?}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out_as_transient() {
        let server = SmtpTestServer::start(Reply::Silence).await;
        let sink = SmtpSink::new(&SmtpSettings {
            timeout_ms: 200,
            ..settings(server.port())
        })
        .expect("plain");

        let error = sink.send(&message()).await.expect_err("times out");

        assert!(error.is_transient(), "{error:?}");
        assert!(error.to_string().contains("200 ms"), "{error}");
    }
}
