//! Requests written byte for byte. `reqwest` (like every WHATWG URL parser)
//! would resolve `..`, `%2e` and `\` before sending, which is exactly what
//! the path tests must not let happen: an attacker's client sends anything.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// What came back: the status and the raw text after the headers.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// Sends `GET <target> HTTP/1.1` to `address` (`http://host:port`) with the
/// target exactly as given, and reads the whole answer.
pub async fn raw_get(address: &str, target: &str, extra_headers: &[(&str, &str)]) -> RawResponse {
    let authority = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).await.expect("connect");
    let mut request =
        format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    RawResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}
