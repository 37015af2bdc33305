//! One simulated client: a single keep-alive HTTP/1.1 connection, opened
//! again after any transport error. No pool: a pool would open extra
//! sockets when answers are slow, and the load would no longer be "N clients".

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::{Request, StatusCode, body::Incoming, client::conn::http1::SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::request_plan::Body;

/// After a failed connect, wait this long before the next attempt: a server
/// that is down would otherwise be hammered with connects in a hot loop
/// (each one still counted as a transport error).
const RECONNECT_PAUSE: Duration = Duration::from_millis(50);

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A full response (status and whole body) arrived.
    Answered(StatusCode),
    /// No response: connect refused, reset, malformed answer or timeout.
    TransportError,
}

/// A connection that reconnects by itself.
#[derive(Debug)]
pub(crate) struct Connection {
    address: String,
    timeout: Duration,
    sender: Option<SendRequest<Body>>,
    /// Successful connects so far (0 for the whole run means the target was
    /// never reachable, which is the one failure `loadgen` exits non-zero for).
    pub(crate) connects: u64,
}

impl Connection {
    /// Not connected yet; [`Connection::open`] or the first request connects.
    pub(crate) fn new(address: &str, timeout: Duration) -> Self {
        Self {
            address: address.to_owned(),
            timeout,
            sender: None,
            connects: 0,
        }
    }

    /// Connects now (before the clock starts, so the first requests do not
    /// pay for the handshake). Whether it worked.
    pub(crate) async fn open(&mut self) -> bool {
        let timeout = self.timeout;
        tokio::time::timeout(timeout, self.ready())
            .await
            .unwrap_or(false)
    }

    /// Sends `request` and reads the whole answer, within the timeout.
    pub(crate) async fn send(&mut self, request: Request<Body>) -> Outcome {
        let timeout = self.timeout;
        let attempt = async {
            if !self.ready().await {
                tokio::time::sleep(RECONNECT_PAUSE).await;
                return None;
            }
            let sender = self.sender.as_mut()?;
            exchange(sender, request).await
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Some(status)) => Outcome::Answered(status),
            // The connection's state is unknown after a failure or timeout
            // (half a response may still come): start over on a new one.
            Ok(None) | Err(_) => {
                self.sender = None;
                Outcome::TransportError
            }
        }
    }

    /// Makes sure a connection is open and ready for a request: the current
    /// one if the server kept it alive, a new one otherwise.
    async fn ready(&mut self) -> bool {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_ok()
        {
            return true;
        }
        self.sender = connect(&self.address).await;
        if self.sender.is_some() {
            self.connects += 1;
        }
        self.sender.is_some()
    }
}

/// A new connection, its protocol driver running as its own task (it ends
/// when the sender is dropped or the server closes the socket).
async fn connect(address: &str) -> Option<SendRequest<Body>> {
    let stream = TcpStream::connect(address).await.ok()?;
    // Requests are small single writes: never wait for Nagle to batch them.
    stream.set_nodelay(true).ok()?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(async move {
        // An error here surfaces as the next request's failure.
        let _ = connection.await;
    });
    Some(sender)
}

/// One request and its whole body; the status, or `None` on any failure.
async fn exchange(sender: &mut SendRequest<Body>, request: Request<Body>) -> Option<StatusCode> {
    let response = sender.send_request(request).await.ok()?;
    let status = response.status();
    drain(response.into_body()).await.then_some(status)
}

/// Reads the body to its end without keeping it: the bytes must cross the
/// wire (a server is not done until they have) but are not needed.
async fn drain(mut body: Incoming) -> bool {
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            return false;
        }
    }
    true
}
