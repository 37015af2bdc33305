//! A fake SMTP server for tests: just enough of RFC 5321 for lettre to send
//! one email (greeting, EHLO, MAIL, RCPT, DATA, QUIT), capturing what DATA
//! carried. A protocol-level stand-in for a third-party mail server, so the
//! SMTP sink's success and failure paths run without Mailpit. It can also
//! speak TLS ([`Security`]): STARTTLS (RFC 3207) or TLS from the first byte,
//! with a certificate from a test CA.

use capstone_platform::testing::tls::TlsAcceptor;
use tokio::{
    io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// How the server treats the one connection it accepts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Reply {
    /// Accepts the email.
    Accept,
    /// Answers `550` to `RCPT TO` (no such mailbox).
    RejectRecipient,
    /// Accepts the connection and never says a word.
    Silence,
}

/// How the server protects the conversation.
pub(super) enum Security {
    Plain,
    /// Offers STARTTLS after EHLO and refuses `MAIL` until it is used, as
    /// a submission server on port 587 does.
    StartTls(TlsAcceptor),
    /// TLS from the first byte (SMTPS, port 465).
    ImplicitTls(TlsAcceptor),
}

#[derive(Debug)]
pub(super) struct SmtpTestServer {
    port: u16,
    conversation: JoinHandle<Option<String>>,
}

impl SmtpTestServer {
    /// Listens on a free loopback port and serves one connection.
    pub(super) async fn start(reply: Reply) -> Self {
        Self::start_with(reply, Security::Plain).await
    }

    /// [`start`](Self::start), protected as `security` says.
    pub(super) async fn start_with(reply: Reply, security: Security) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let conversation = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.ok()?;
            serve(stream, reply, security).await
        });
        Self { port, conversation }
    }

    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// A port nothing listens on (bound, then released).
    pub(super) async fn unused_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        listener.local_addr().expect("local address").port()
    }

    /// What the client sent after `DATA`, once the conversation is over.
    pub(super) async fn received(self) -> Option<String> {
        self.conversation.await.ok().flatten()
    }
}

async fn serve(stream: TcpStream, reply: Reply, security: Security) -> Option<String> {
    let plain = Phase {
        greet: true,
        offer_starttls: false,
    };
    let after_starttls = Phase {
        greet: false,
        offer_starttls: false,
    };
    match security {
        Security::Plain => converse(stream, reply, plain).await?.data(),
        Security::ImplicitTls(acceptor) => {
            let stream = acceptor.accept(stream).await.ok()?;
            converse(stream, reply, plain).await?.data()
        }
        Security::StartTls(acceptor) => {
            let before = Phase {
                offer_starttls: true,
                ..plain
            };
            match converse(stream, reply, before).await? {
                Ended::StartTls(stream) => {
                    // The client sends nothing until the handshake: nothing
                    // buffered is lost with the `BufReader`.
                    let stream = acceptor.accept(stream).await.ok()?;
                    converse(stream, reply, after_starttls).await?.data()
                }
                Ended::Closed(data) => data,
            }
        }
    }
}

/// Where a conversation stands when it begins.
#[derive(Clone, Copy)]
struct Phase {
    /// Says `220` first (not after STARTTLS, where the client speaks first).
    greet: bool,
    /// Offers STARTTLS and refuses mail until the client uses it.
    offer_starttls: bool,
}

/// How a conversation ended: over, with what DATA carried, or handing the
/// stream back for a TLS handshake.
enum Ended<S> {
    Closed(Option<String>),
    StartTls(S),
}

impl<S> Ended<S> {
    /// What DATA carried, once no further upgrade can follow.
    fn data(self) -> Option<String> {
        match self {
            Self::Closed(data) => data,
            Self::StartTls(_) => None,
        }
    }
}

async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    reply: Reply,
    phase: Phase,
) -> Option<Ended<S>> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    if let Reply::Silence = reply {
        // Hold the connection until the client gives up and closes it.
        while stream.read_line(&mut line).await.ok()? > 0 {}
        return Some(Ended::Closed(None));
    }
    if phase.greet {
        say(&mut stream, b"220 test ESMTP ready\r\n").await?;
    }
    let mut data = None;
    loop {
        line.clear();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return Some(Ended::Closed(data));
        }
        let command = line.trim_end().to_ascii_uppercase();
        let verb = command.get(..4).unwrap_or_default();
        let response: &[u8] = match verb {
            // 8BITMIME, so messages with UTF-8 bodies are accepted too.
            "EHLO" | "HELO" if phase.offer_starttls => {
                b"250-test\r\n250-8BITMIME\r\n250 STARTTLS\r\n"
            }
            "EHLO" | "HELO" => b"250-test\r\n250 8BITMIME\r\n",
            "STAR" if phase.offer_starttls && command == "STARTTLS" => {
                say(&mut stream, b"220 2.0.0 ready to start TLS\r\n").await?;
                return Some(Ended::StartTls(stream.into_inner()));
            }
            "MAIL" if phase.offer_starttls => b"530 5.7.0 must issue a STARTTLS command first\r\n",
            "RCPT" if matches!(reply, Reply::RejectRecipient) => b"550 5.1.1 no such mailbox\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 OK\r\n",
            "DATA" => {
                say(&mut stream, b"354 end with <CRLF>.<CRLF>\r\n").await?;
                data = Some(read_data(&mut stream).await?);
                b"250 2.0.0 queued\r\n"
            }
            "QUIT" => {
                say(&mut stream, b"221 2.0.0 bye\r\n").await?;
                return Some(Ended::Closed(data));
            }
            _ => b"502 5.5.2 not implemented\r\n",
        };
        say(&mut stream, response).await?;
    }
}

/// Writes a reply and flushes it (a TLS stream holds back what is not).
async fn say(stream: &mut (impl AsyncWrite + Unpin), reply: &[u8]) -> Option<()> {
    stream.write_all(reply).await.ok()?;
    stream.flush().await.ok()
}

/// Lines up to the lone `.` that ends DATA.
async fn read_data(reader: &mut (impl AsyncBufRead + Unpin)) -> Option<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == ".\r\n" {
            return Some(data);
        }
        data.push_str(&line);
    }
}
