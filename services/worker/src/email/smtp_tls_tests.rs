//! The SMTP sink over TLS (`worker.email.smtp.tls`), against the fake SMTP
//! server with a certificate for `localhost` from a throwaway CA: STARTTLS
//! and TLS from the first byte deliver when the CA is trusted; an untrusted
//! certificate stops the email before anything is sent.

use capstone_platform::testing::TestCa;
use lettre::Message;

use super::{
    smtp_sink::SmtpSink,
    smtp_test_server::{Reply, Security, SmtpTestServer},
    {EmailError, SmtpSettings, SmtpTls},
};

/// The server by the name its certificate carries.
fn settings(port: u16, tls: SmtpTls, ca: Option<&TestCa>) -> SmtpSettings {
    SmtpSettings {
        host: capstone_platform::testing::tls::SERVER_NAME.into(),
        port,
        tls,
        tls_ca_file: ca.map(TestCa::ca_file),
        timeout_ms: 5_000,
        ..SmtpSettings::default()
    }
}

fn message() -> Message {
    Message::builder()
        .from("no-reply@capstone.local".parse().expect("mailbox"))
        .to("ada@example.com".parse().expect("mailbox"))
        .subject("Sent over TLS")
        .body(String::from("Hello over TLS"))
        .expect("builds")
}

#[tokio::test]
async fn starttls_delivers_once_the_connection_is_encrypted() {
    let ca = TestCa::new();
    // Refuses MAIL until STARTTLS: delivery proves the upgrade happened.
    let server = SmtpTestServer::start_with(Reply::Accept, Security::StartTls(ca.acceptor())).await;
    let sink = SmtpSink::new(&settings(server.port(), SmtpTls::Starttls, Some(&ca)))
        .expect("a STARTTLS sink");

    let target = sink.send(&message()).await.expect("delivered");

    assert!(target.starts_with("smtp+starttls://localhost:"), "{target}");
    let data = server.received().await.expect("DATA captured");
    assert!(data.contains("Hello over TLS"), "{data}");
}

#[tokio::test]
async fn implicit_tls_delivers_to_a_server_whose_ca_is_trusted() {
    let ca = TestCa::new();
    let server =
        SmtpTestServer::start_with(Reply::Accept, Security::ImplicitTls(ca.acceptor())).await;
    let sink =
        SmtpSink::new(&settings(server.port(), SmtpTls::Tls, Some(&ca))).expect("a TLS sink");

    sink.send(&message()).await.expect("delivered");

    let data = server.received().await.expect("DATA captured");
    assert!(data.contains("Hello over TLS"), "{data}");
}

#[tokio::test]
async fn starttls_refuses_a_certificate_from_an_untrusted_ca() {
    let ca = TestCa::new();
    let server = SmtpTestServer::start_with(Reply::Accept, Security::StartTls(ca.acceptor())).await;
    let sink = SmtpSink::new(&settings(server.port(), SmtpTls::Starttls, None)).expect("a sink");

    let error = sink.send(&message()).await.expect_err("untrusted");

    assert!(matches!(error, EmailError::Transient(_)), "{error:?}");
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
    assert!(server.received().await.is_none(), "nothing may be sent");
}

#[tokio::test]
async fn starttls_refuses_a_server_that_does_not_offer_it() {
    // A plain server never says STARTTLS: lettre's `Required` must not fall
    // back to plain text (what a man in the middle hiding the offer wants).
    let server = SmtpTestServer::start(Reply::Accept).await;
    let sink = SmtpSink::new(&settings(server.port(), SmtpTls::Starttls, None)).expect("a sink");

    let error = sink.send(&message()).await.expect_err("no STARTTLS");

    assert!(
        server.received().await.is_none(),
        "sent in plain text: {error}"
    );
}
