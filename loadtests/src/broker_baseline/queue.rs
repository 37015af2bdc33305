//! The run's own queue: declared at the start, deleted at the end.

use std::time::Duration;

use lapin::{
    Channel, Connection,
    options::{QueueDeclareOptions, QueueDeleteOptions},
    types::{AMQPValue, FieldTable},
};

/// Declares `name`: durable (so persistent messages really go to disk, as
/// the services' queues do), shared, never auto-deleted. The type is stated
/// even for classic, since a vhost may default to another.
pub(crate) async fn declare(channel: &Channel, name: &str, quorum: bool) -> lapin::Result<()> {
    let mut arguments = FieldTable::default();
    let kind = if quorum { "quorum" } else { "classic" };
    arguments.insert("x-queue-type".into(), AMQPValue::LongString(kind.into()));
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            arguments,
        )
        .await?;
    Ok(())
}

/// Deletes `name`, messages and consumers included. Best effort: it runs on
/// error paths too, where the connection may be gone; a failure is only
/// reported, so that it does not hide the error that led here.
pub(crate) async fn delete(connection: &Connection, name: &str) {
    let attempt = async {
        let channel = connection.create_channel().await?;
        channel
            .queue_delete(name.into(), QueueDeleteOptions::default())
            .await?;
        channel.close(200, "queue deleted".into()).await
    };
    match tokio::time::timeout(Duration::from_secs(5), attempt).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("broker-baseline: could not delete queue {name}: {error}"),
        Err(_) => eprintln!("broker-baseline: could not delete queue {name}: no answer in 5 s"),
    }
}
