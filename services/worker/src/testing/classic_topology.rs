//! The topology as workers declared it before issue 18: classic queues,
//! retry queues dead-lettering (at most once) back to the work queue. What
//! a broker volume from then still holds, for the migration tests.

use capstone_platform::amqp;
use lapin::{
    Channel,
    options::{QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString},
};

use super::TestBroker;

/// Declares the old classic topology of `broker`'s namespace, exactly as
/// the worker used to.
pub async fn declare_classic_topology(broker: &TestBroker) {
    let connection = broker.connect().await;
    let channel = connection.create_channel().await.expect("channel");
    amqp::declare_events_exchange(&channel, &broker.amqp)
        .await
        .expect("exchange");
    let topology = broker.topology();
    for names in topology.concerns() {
        declare_classic(&channel, &names.work, FieldTable::default()).await;
        for binding in names.concern.bindings() {
            channel
                .queue_bind(
                    names.work.as_str().into(),
                    topology.exchange.as_str().into(),
                    (*binding).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("bound");
        }
        for retry in &names.retries {
            let mut arguments = FieldTable::default();
            let ttl = i64::try_from(retry.delay_ms).expect("a small delay");
            arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
            arguments.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString(LongString::from("")),
            );
            arguments.insert(
                "x-dead-letter-routing-key".into(),
                AMQPValue::LongString(LongString::from(names.work.as_str())),
            );
            declare_classic(&channel, &retry.name, arguments).await;
        }
        declare_classic(&channel, &names.dead_letters, FieldTable::default()).await;
    }
    let _ = connection.close(200, "declared".into()).await;
}

async fn declare_classic(channel: &Channel, name: &str, arguments: FieldTable) {
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            arguments,
        )
        .await
        .expect("classic queue declared");
}
