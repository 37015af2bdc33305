//! A TLS terminator for tests: accepts TLS as `localhost` (a [`TestCa`]
//! certificate) and forwards the plain bytes to a dependency that listens
//! without TLS, as a managed broker's load balancer would.
//!
//! ```text
//! client ──TLS──► 127.0.0.1:<port> ──plain──► RabbitMQ :5672
//! ```
//!
//! It lets a client's TLS path (`amqps://localhost:<port>`) run against the
//! local RabbitMQ, which other tests share and which has no TLS listener.

use std::net::SocketAddr;

use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use tokio_rustls::TlsAcceptor;

use super::tls::TestCa;

/// A running terminator; dropping it stops accepting connections.
#[derive(Debug)]
pub struct TlsTerminator {
    port: u16,
    accepting: JoinHandle<()>,
}

impl TlsTerminator {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(ca: &TestCa, upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let port = listener.local_addr().expect("bound address").port();
        let accepting = tokio::spawn(accept_loop(listener, ca.acceptor(), upstream));
        Self { port, accepting }
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for TlsTerminator {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, upstream: SocketAddr) {
    while let Ok((client, _)) = listener.accept().await {
        tokio::spawn(forward(acceptor.clone(), client, upstream));
    }
}

async fn forward(acceptor: TlsAcceptor, client: TcpStream, upstream: SocketAddr) {
    // A client that rejects our certificate aborts the handshake: that is
    // the outcome some tests expect, not an error here.
    let Ok(mut client) = acceptor.accept(client).await else {
        return;
    };
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = copy_bidirectional(&mut client, &mut server).await;
}
