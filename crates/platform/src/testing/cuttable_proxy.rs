//! A TCP proxy a test can cut, to take a dependency away from a service and
//! give it back without stopping the dependency itself (which other tests,
//! running in parallel, are using).
//!
//! ```text
//! service ──► 127.0.0.1:<proxy port> ──► RabbitMQ :5672 (or Postgres :5432)
//!                    ▲ cut(): every connection dropped, new ones refused
//!                    ▲ restore(): connections pass again
//! ```
//!
//! A cut looks to the service like a broker or database that crashed or a
//! network that failed: its sockets close mid-stream and reconnecting fails
//! until `restore`.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};
use url::Url;

use crate::settings::{AmqpSettings, DatabaseSettings};

/// A running proxy; dropping it stops it and drops its connections.
#[derive(Debug)]
pub struct CuttableProxy {
    address: SocketAddr,
    open: Arc<AtomicBool>,
    /// Bumped by every cut; each connection ends when it changes.
    cuts: watch::Sender<u64>,
    accepting: JoinHandle<()>,
}

impl CuttableProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let address = listener.local_addr().expect("bound address");
        let open = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0);
        let accepting = tokio::spawn(accept_loop(
            listener,
            upstream,
            Arc::clone(&open),
            cuts.clone(),
        ));
        Self {
            address,
            open,
            cuts,
            accepting,
        }
    }

    /// Starts a proxy in front of the broker `settings` name and points
    /// `settings` at the proxy instead.
    pub async fn in_front_of_amqp(settings: &mut AmqpSettings) -> Self {
        let mut url = settings.parsed_url().expect("a valid AMQP URL");
        let upstream = url
            .socket_addrs(|| Some(5672))
            .expect("the broker's address resolves")[0];
        let proxy = Self::start(upstream).await;
        set_address(&mut url, proxy.address);
        settings.url = url.to_string().into();
        proxy
    }

    /// Starts a proxy in front of the Postgres server `settings` name; each
    /// database on that server can then be reached through
    /// [`route_database`](Self::route_database).
    pub async fn in_front_of_postgres(settings: &DatabaseSettings) -> Self {
        let url = settings.parsed_url().expect("a valid database URL");
        let upstream = url
            .socket_addrs(|| Some(5432))
            .expect("the database's address resolves")[0];
        Self::start(upstream).await
    }

    /// Points `settings` (a database on the proxied server) at the proxy.
    pub fn route_database(&self, settings: &mut DatabaseSettings) {
        let mut url = settings.parsed_url().expect("a valid database URL");
        set_address(&mut url, self.address);
        settings.url = url.to_string().into();
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Drops every connection through the proxy and refuses new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|generation| *generation += 1);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    open: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
) {
    while let Ok((client, _)) = listener.accept().await {
        if !open.load(Ordering::SeqCst) {
            // Accepted and closed at once: to the client, a refused connection.
            drop(client);
            continue;
        }
        tokio::spawn(forward(client, upstream, cuts.subscribe()));
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, mut cut: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.changed() => {}
    }
    // Both sockets drop here, closing the connection on both sides.
}

fn set_address(url: &mut Url, address: SocketAddr) {
    url.set_ip_host(address.ip()).expect("an IP host fits");
    url.set_port(Some(address.port())).expect("a port fits");
}
