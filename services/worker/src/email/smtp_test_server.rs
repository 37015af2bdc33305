//! A fake SMTP server for tests: just enough of RFC 5321 for lettre to send
//! one email (greeting, EHLO, MAIL, RCPT, DATA, QUIT), capturing what DATA
//! carried. A protocol-level stand-in for a third-party mail server, so the
//! SMTP sink's success and failure paths run without Mailpit.

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
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

#[derive(Debug)]
pub(super) struct SmtpTestServer {
    port: u16,
    conversation: JoinHandle<Option<String>>,
}

impl SmtpTestServer {
    /// Listens on a free loopback port and serves one connection.
    pub(super) async fn start(reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let conversation = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.ok()?;
            converse(stream, reply).await
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

async fn converse(stream: TcpStream, reply: Reply) -> Option<String> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    if let Reply::Silence = reply {
        // Hold the connection until the client gives up and closes it.
        while reader.read_line(&mut line).await.ok()? > 0 {}
        return None;
    }
    writer.write_all(b"220 test ESMTP ready\r\n").await.ok()?;
    let mut data = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return data;
        }
        let command = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let response: &[u8] = match command.as_str() {
            // 8BITMIME, so messages with UTF-8 bodies are accepted too.
            "EHLO" | "HELO" => b"250-test\r\n250 8BITMIME\r\n",
            "RCPT" if matches!(reply, Reply::RejectRecipient) => b"550 5.1.1 no such mailbox\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 OK\r\n",
            "DATA" => {
                writer
                    .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                    .await
                    .ok()?;
                data = Some(read_data(&mut reader).await?);
                b"250 2.0.0 queued\r\n"
            }
            "QUIT" => {
                writer.write_all(b"221 2.0.0 bye\r\n").await.ok()?;
                return data;
            }
            _ => b"502 5.5.2 not implemented\r\n",
        };
        writer.write_all(response).await.ok()?;
    }
}

/// Lines up to the lone `.` that ends DATA.
async fn read_data(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<String> {
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
