//! Publishing a copy of a message to one queue, confirmed: how retries,
//! dead letters and replays move messages around.
//!
//! A copy keeps the original's body and properties (message id, content
//! type, correlation id, `traceparent` and the other headers), with the
//! headers below set or changed. It goes through the default exchange with
//! the target queue's name as routing key, so it reaches that queue and no
//! other. It is persistent and `mandatory` (a missing queue comes back as a
//! failure instead of vanishing), and the caller learns only after the
//! broker's publisher confirm whether it is safe to ack the original.

use lapin::{
    BasicProperties, Channel, Confirmation,
    options::BasicPublishOptions,
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

/// Retries of this message so far: 0 first, 1 after the first retry…
pub const ATTEMPT_HEADER: &str = "x-attempt";
/// Why the message was dead-lettered.
pub const DEATH_REASON_HEADER: &str = "x-death-reason";
/// The work queue it failed in.
pub const FAILED_QUEUE_HEADER: &str = "x-failed-queue";
/// How many times an operator replayed it from the dead letters.
pub const REPLAYS_HEADER: &str = "x-replays";
/// On a replayed message: why it had been dead-lettered.
pub const LAST_DEATH_REASON_HEADER: &str = "x-last-death-reason";

/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

/// Why a copy was not (surely) stored by the broker.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The channel or connection failed.
    #[error("publishing failed: {0}")]
    Amqp(#[from] lapin::Error),
    /// The broker could not store it.
    #[error("the broker refused the message (nack)")]
    Refused,
    /// The target queue does not exist.
    #[error("no queue `{0}`: the message was returned")]
    Unroutable(String),
    /// A bug: the channel was not put in confirm mode.
    #[error("the channel is not in confirm mode")]
    Unconfirmed,
}

/// One header change on a copy.
#[derive(Debug, Clone)]
pub enum HeaderChange<'a> {
    /// Set a numeric header.
    Number(&'static str, u64),
    /// Set a text header.
    Text(&'static str, &'a str),
    /// Remove a header.
    Remove(&'static str),
}

/// `properties` with `changes` applied to its headers and persistence on.
pub fn copy_properties(
    properties: &BasicProperties,
    changes: &[HeaderChange<'_>],
) -> BasicProperties {
    let mut headers: std::collections::BTreeMap<ShortString, AMQPValue> = properties
        .headers()
        .as_ref()
        .map(|table| table.inner().clone())
        .unwrap_or_default();
    for change in changes {
        match change {
            HeaderChange::Number(key, value) => {
                let value = i64::try_from(*value).unwrap_or(i64::MAX);
                headers.insert((*key).into(), AMQPValue::LongLongInt(value));
            }
            HeaderChange::Text(key, value) => {
                headers.insert(
                    (*key).into(),
                    AMQPValue::LongString(LongString::from(*value)),
                );
            }
            HeaderChange::Remove(key) => {
                headers.remove(*key);
            }
        }
    }
    properties
        .clone()
        .with_headers(FieldTable::from(headers))
        .with_delivery_mode(PERSISTENT)
}

/// Publishes `body` with `properties` to `queue` and waits for the confirm.
/// The channel must be in confirm mode (`confirm_select`).
pub async fn publish_to_queue(
    channel: &Channel,
    queue: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), PublishError> {
    let confirm = channel
        .basic_publish(
            ShortString::from(""),
            ShortString::from(queue),
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            body,
            properties,
        )
        .await?;
    match confirm.await? {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(_returned)) => Err(PublishError::Unroutable(queue.to_owned())),
        Confirmation::Nack(_) => Err(PublishError::Refused),
        Confirmation::NotRequested => Err(PublishError::Unconfirmed),
    }
}

#[cfg(test)]
mod tests {
    use capstone_platform::amqp::{header_number, header_text};

    use super::*;

    #[test]
    fn a_copy_keeps_other_headers_and_properties_and_applies_changes() {
        let mut headers = FieldTable::default();
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString("00-abc-01".into()),
        );
        headers.insert(
            DEATH_REASON_HEADER.into(),
            AMQPValue::LongString("boom".into()),
        );
        let original = BasicProperties::default()
            .with_message_id("id-1".into())
            .with_headers(headers);

        let copy = copy_properties(
            &original,
            &[
                HeaderChange::Number(ATTEMPT_HEADER, 2),
                HeaderChange::Remove(DEATH_REASON_HEADER),
            ],
        );

        let headers = copy.headers().as_ref();
        assert_eq!(header_number(headers, ATTEMPT_HEADER), Some(2));
        assert_eq!(
            header_text(headers, "traceparent").as_deref(),
            Some("00-abc-01")
        );
        assert_eq!(header_text(headers, DEATH_REASON_HEADER), None);
        assert_eq!(
            copy.message_id().as_ref().map(ShortString::as_str),
            Some("id-1")
        );
        assert_eq!(*copy.delivery_mode(), Some(PERSISTENT));
    }
}
