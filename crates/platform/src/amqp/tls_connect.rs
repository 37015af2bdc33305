//! `amqps://`: one AMQP connection over TLS with our rustls config
//! (`platform::tls`: ring, Mozilla's roots plus `amqp.tls_ca_file`, full
//! verification), for Amazon MQ and any broker behind a TLS listener.
//!
//! lapin's own `amqps://` path would build its config from its crate
//! features (and install a process-wide provider); its low-level
//! `Connection::connector` lets us hand it the stream instead: a plain TCP
//! connection, then our TLS handshake on top. lapin calls the same function
//! again when it reconnects, with the same config.

use std::sync::Arc;

use lapin::{
    Connection, ConnectionProperties,
    tcp::{AMQPUriTcpExt, RustlsConnector},
    uri::{AMQPScheme, AMQPUri},
};
use secrecy::ExposeSecret;

use super::ConnectError;
use crate::{
    settings::AmqpSettings,
    tls::{self, Verification},
};

// ANCHOR: connect_tls
/// Connects to an `amqps://` URL, verifying the broker's certificate
/// against the name in the URL.
pub(super) async fn connect_tls(
    settings: &AmqpSettings,
    properties: ConnectionProperties,
) -> Result<Connection, ConnectError> {
    let uri: AMQPUri = settings
        .url
        .expose_secret()
        .parse()
        .map_err(ConnectError::Url)?;
    let config = tls::client_config(Verification::Full, settings.tls_ca_file.as_deref())
        .map_err(|error| ConnectError::Tls(error.for_setting("amqp.tls_ca_file")))?;
    let connector = RustlsConnector::from(Arc::new(config));
    let runtime = lapin::runtime::default_runtime()?;
    let connect = async move |uri: AMQPUri, runtime| {
        let plain = AMQPUri {
            scheme: AMQPScheme::AMQP,
            ..uri.clone()
        };
        let tcp = plain.connect_async(&runtime).await?;
        Ok(tcp.into_rustls(&connector, &uri.authority.host).await?)
    };
    Ok(Connection::connector(uri, runtime, connect, properties).await?)
}
// ANCHOR_END: connect_tls
