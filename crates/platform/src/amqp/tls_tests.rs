//! `amqps://` through [`connect`], against the local RabbitMQ behind a TLS
//! terminator (RabbitMQ itself listens without TLS, and other tests share
//! it): publish and consume a message over TLS with the test CA trusted;
//! refuse the broker without it.

use std::time::Duration;

use futures_util::StreamExt as _;
use lapin::{
    BasicProperties,
    options::{BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions},
    types::FieldTable,
};

use super::{ConnectError, connect};
use crate::{
    load_settings,
    settings::{AmqpSettings, BackingServices},
    testing::{TestCa, TlsTerminator, tls::SERVER_NAME},
};

/// A terminator in front of the usual broker, and settings that reach the
/// broker through it as `amqps://localhost:<port>`.
async fn through_tls(ca: &TestCa, trust_ca: bool) -> (TlsTerminator, AmqpSettings) {
    let broker = load_settings::<BackingServices>(None)
        .expect("settings load")
        .amqp;
    let mut url = broker.parsed_url().expect("a valid AMQP URL");
    let upstream = url
        .socket_addrs(|| Some(5672))
        .expect("the broker's address resolves")[0];
    let terminator = TlsTerminator::start(ca, upstream).await;
    url.set_scheme("amqps").expect("amqps");
    url.set_host(Some(SERVER_NAME)).expect("a host name");
    url.set_port(Some(terminator.port())).expect("a port");
    let settings = AmqpSettings {
        url: url.as_str().into(),
        tls_ca_file: trust_ca.then(|| ca.ca_file()),
        ..broker
    };
    (terminator, settings)
}

#[tokio::test]
async fn amqps_publishes_and_consumes_when_the_ca_is_trusted() {
    let ca = TestCa::new();
    let (_terminator, settings) = through_tls(&ca, true).await;
    let url = settings.parsed_url().expect("valid");
    assert_eq!((url.scheme(), url.host_str()), ("amqps", Some(SERVER_NAME)));

    let connection = connect(&settings, "tls-test")
        .await
        .expect("TLS connection");
    let channel = connection.create_channel().await.expect("channel");
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("a private queue");
    let mut consumer = channel
        .basic_consume(
            queue.name().clone(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("consume");
    channel
        .basic_publish(
            "".into(),
            queue.name().clone(),
            BasicPublishOptions::default(),
            b"sent over TLS",
            BasicProperties::default(),
        )
        .await
        .expect("publish");

    let delivery = tokio::time::timeout(Duration::from_secs(5), consumer.next())
        .await
        .expect("a delivery within 5 s")
        .expect("consumer open")
        .expect("a delivery");

    assert_eq!(delivery.data, b"sent over TLS");
    delivery.ack(BasicAckOptions::default()).await.expect("ack");
    connection.close(200, "OK".into()).await.expect("close");
}

#[tokio::test]
async fn amqps_refuses_a_broker_whose_ca_is_not_trusted() {
    let ca = TestCa::new();
    let (_terminator, settings) = through_tls(&ca, false).await;

    let error = connect(&settings, "tls-test")
        .await
        .map(drop)
        .expect_err("untrusted CA");

    assert!(matches!(error, ConnectError::Amqp(_)), "{error:?}");
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
}
