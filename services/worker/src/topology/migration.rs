//! Moving queues declared with other arguments to the ones the worker
//! declares now, without losing a message: how a broker that still holds
//! the classic queues of before issue 18 gets quorum queues.
//!
//! Why this exists: RabbitMQ cannot change a queue's arguments. Declaring
//! an existing queue with others fails (`PRECONDITION_FAILED`, which closes
//! the channel), and the only way to a quorum queue of the same name is to
//! delete the classic one. Deleting a queue deletes its messages, and the
//! names must stay (dashboards, alerts, the CLI and k8s use them), so the
//! messages wait in a staging queue `Q.migrating` meanwhile:
//!
//! ```text
//! Q declared with other arguments (PRECONDITION_FAILED on a throwaway channel):
//!   1. declare Q.migrating (quorum), bind it like Q; unbind Q
//!      → new events flow into Q.migrating from here on
//!   2. move every message Q → Q.migrating (get, publish confirmed, then ack)
//!   3. delete Q, only if empty and without consumers
//!   4. declare Q with its new arguments, bind it
//! Q.migrating exists (now, or left by an interrupted run):
//!   5. bind Q; unbind Q.migrating; move every message Q.migrating → Q;
//!      delete Q.migrating (once empty)
//! ```
//!
//! A retry queue needs no staging: its messages go straight to the work
//! queue (their `x-attempt` header is kept and handlers are idempotent, so
//! a retry that comes early is harmless), and nothing is bound to it. That
//! is why retry queues go first: afterwards nothing dead-letters into the
//! work queue while it is briefly deleted in step 3.
//!
//! Safe when killed midway: every step is idempotent and the state tells
//! where to resume (Q still refused → from step 1; Q.migrating still there
//! → step 5). A message moved is published and confirmed before it is
//! acked: a kill between the two leaves it in both queues (a duplicate the
//! handlers ignore), never in neither. Unacked messages of a dead
//! connection return to the queue they came from.
//!
//! Safe when two workers start at once: the migration runs under a lock,
//! an exclusive queue `p.worker.queue-migration.lock`. The broker lets one
//! connection declare it, answers `RESOURCE_LOCKED` to the others, and
//! deletes it when its connection dies, so a killed worker never leaves it
//! held. The worker that does not get it fails its session and retries
//! after the usual reconnect backoff, finding the migration done.
//!
//! Step 3 refuses to delete a queue that still has consumers (a worker of
//! the previous version, during a rolling update): the session fails and
//! is retried until that worker is gone, since deleting the queue under it
//! would lose the messages it holds.

use capstone_platform::{amqp, settings::AmqpSettings};
use lapin::{
    Channel, Connection, ErrorKind,
    options::{
        BasicAckOptions, BasicGetOptions, ConfirmSelectOptions, QueueDeclareOptions,
        QueueDeleteOptions,
    },
    types::FieldTable,
};

use super::{QueueDeclaration, QueueRole, Topology, bind_queue, declare_queue, queue_arguments};
use crate::republish::{PublishError, copy_properties, publish_to_queue};

/// AMQP reply codes the migration tells apart.
const NOT_FOUND: u16 = 404;
const RESOURCE_LOCKED: u16 = 405;
const PRECONDITION_FAILED: u16 = 406;

/// Why the migration stopped; every case is retried by the next session.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// A command failed, or the connection did.
    #[error("queue migration: {0}")]
    Amqp(#[from] lapin::Error),
    /// A moved message was not confirmed: it stays where it was.
    #[error("queue migration: {0}")]
    Publish(#[from] PublishError),
    /// Another worker holds the lock and is migrating now.
    #[error("another worker is migrating the queues")]
    Locked,
    /// The queue still has consumers or messages: not deleted.
    #[error("queue `{0}` cannot be migrated yet: it still has consumers (an older worker?)")]
    InUse(String),
}

/// The name of a queue's staging queue during its migration.
pub fn staging_name(queue: &str) -> String {
    format!("{queue}.migrating")
}

// ANCHOR: migrate
/// Brings every queue of `topology` to the arguments it declares them with,
/// moving the messages of any queue declared otherwise. Does nothing (a
/// redeclaration per queue, a passive declare per staging name) when the
/// queues are already right. Run before [`Topology::declare`].
pub async fn migrate(
    connection: &Connection,
    topology: &Topology,
    amqp_settings: &AmqpSettings,
) -> Result<(), MigrationError> {
    let declarations = topology.declarations();
    let mut pending = Vec::new();
    for queue in &declarations {
        if needs_migration(connection, queue).await? {
            pending.push(queue.name.as_str());
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    let lock = connection.create_channel().await?;
    acquire_lock(&lock, &lock_name(amqp_settings)).await?;
    tracing::warn!(queues = ?pending, "migrating queues to their new arguments");
    amqp::declare_events_exchange(&lock, amqp_settings).await?;
    for queue in &declarations {
        // Again under the lock: another worker may have migrated it meanwhile.
        migrate_queue(connection, topology, queue).await?;
    }
    // Deleting the queue releases the lock; so would closing the connection.
    let _ = lock
        .queue_delete(
            lock_name(amqp_settings).into(),
            QueueDeleteOptions::default(),
        )
        .await;
    tracing::info!(queues = ?pending, "queues migrated");
    Ok(())
}
// ANCHOR_END: migrate

fn lock_name(amqp_settings: &AmqpSettings) -> String {
    format!("{}.worker.queue-migration.lock", amqp_settings.prefix)
}

/// Declared with other arguments, or a staging queue is left.
async fn needs_migration(
    connection: &Connection,
    queue: &QueueDeclaration,
) -> Result<bool, lapin::Error> {
    Ok(!declares_as_is(connection, queue).await?
        || (queue.role != QueueRole::Retry
            && exists(connection, &staging_name(&queue.name)).await?))
}

async fn migrate_queue(
    connection: &Connection,
    topology: &Topology,
    queue: &QueueDeclaration,
) -> Result<(), MigrationError> {
    // Fresh channels around each deletion: a channel that used the deleted
    // classic queue may still hold its state under the same name, and
    // RabbitMQ 3.10 then fails publishing to the new quorum queue with a
    // connection-level INTERNAL_ERROR.
    if queue.role == QueueRole::Retry {
        if !declares_as_is(connection, queue).await? {
            let work = work_queue_of(topology, queue);
            move_messages(connection, &queue.name, work).await?;
            delete_drained(connection, &queue.name).await?;
            declare_alone(connection, &queue.name, queue.arguments.clone()).await?;
        }
        return Ok(());
    }
    let staging = staging_name(&queue.name);
    let exchange = topology.exchange.as_str();
    if !declares_as_is(connection, queue).await? {
        let channel = connection.create_channel().await?;
        declare_queue(&channel, &staging, queue_arguments::quorum()).await?;
        bind_queue(&channel, &staging, exchange, queue.bindings).await?;
        unbind_queue(&channel, &queue.name, exchange, queue.bindings).await?;
        let _ = channel.close(200, "staged".into()).await;
        move_messages(connection, &queue.name, &staging).await?;
        delete_drained(connection, &queue.name).await?;
        declare_alone(connection, &queue.name, queue.arguments.clone()).await?;
    }
    if exists(connection, &staging).await? {
        let channel = connection.create_channel().await?;
        bind_queue(&channel, &queue.name, exchange, queue.bindings).await?;
        unbind_queue(&channel, &staging, exchange, queue.bindings).await?;
        let _ = channel.close(200, "rebound".into()).await;
        // Unbound first: nothing arrives in the staging queue after this move.
        move_messages(connection, &staging, &queue.name).await?;
        delete_staging(connection, &staging).await?;
    }
    Ok(())
}

/// Declares `queue` on a channel of its own.
async fn declare_alone(
    connection: &Connection,
    queue: &str,
    arguments: FieldTable,
) -> Result<(), lapin::Error> {
    let channel = connection.create_channel().await?;
    declare_queue(&channel, queue, arguments).await?;
    let _ = channel.close(200, "declared".into()).await;
    Ok(())
}

fn work_queue_of<'a>(topology: &'a Topology, retry: &QueueDeclaration) -> &'a str {
    topology
        .concerns()
        .iter()
        .find(|names| names.retries.iter().any(|r| r.name == retry.name))
        .map(|names| names.work.as_str())
        .expect("a retry queue belongs to a concern")
}

/// Whether `queue` can be declared with its arguments (creating it when
/// missing), on a throwaway channel: a refusal closes the channel.
async fn declares_as_is(
    connection: &Connection,
    queue: &QueueDeclaration,
) -> Result<bool, lapin::Error> {
    let channel = connection.create_channel().await?;
    match declare_queue(&channel, &queue.name, queue.arguments.clone()).await {
        Ok(()) => {
            let _ = channel.close(200, "checked".into()).await;
            Ok(true)
        }
        Err(error) if reply_code(&error) == Some(PRECONDITION_FAILED) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Whether `queue` exists (a passive declare on a throwaway channel).
async fn exists(connection: &Connection, queue: &str) -> Result<bool, lapin::Error> {
    let channel = connection.create_channel().await?;
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await
    {
        Ok(_) => {
            let _ = channel.close(200, "checked".into()).await;
            Ok(true)
        }
        Err(error) if reply_code(&error) == Some(NOT_FOUND) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Declares the exclusive lock queue, or says another connection holds it.
async fn acquire_lock(channel: &Channel, name: &str) -> Result<(), MigrationError> {
    let exclusive = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(name.into(), exclusive, FieldTable::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(error) if reply_code(&error) == Some(RESOURCE_LOCKED) => Err(MigrationError::Locked),
        Err(error) => Err(error.into()),
    }
}

/// Moves every message of `from` to `to`, each confirmed before it is
/// acked, on a channel of its own. Returns how many.
async fn move_messages(
    connection: &Connection,
    from: &str,
    to: &str,
) -> Result<u64, MigrationError> {
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let mut moved = 0;
    while let Some(message) = channel
        .basic_get(from.into(), BasicGetOptions { no_ack: false })
        .await?
    {
        let delivery = message.delivery;
        let properties = copy_properties(&delivery.properties, &[]);
        publish_to_queue(&channel, to, &delivery.data, properties).await?;
        delivery.ack(BasicAckOptions::default()).await?;
        moved += 1;
    }
    let _ = channel.close(200, "moved".into()).await;
    if moved > 0 {
        tracing::info!(from, to, moved, "moved messages");
    }
    Ok(moved)
}

/// Deletes the (quorum) staging queue once it is empty. Quorum queues
/// refuse `if_empty`/`if_unused` (`NOT_IMPLEMENTED`, which closes the
/// connection): the count is checked first instead. Nothing can arrive in
/// between: it is unbound, and the lock keeps other migrations out.
async fn delete_staging(connection: &Connection, staging: &str) -> Result<(), MigrationError> {
    let channel = connection.create_channel().await?;
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let left = channel
        .queue_declare(staging.into(), passive, FieldTable::default())
        .await?
        .message_count();
    if left > 0 {
        return Err(MigrationError::InUse(staging.to_owned()));
    }
    channel
        .queue_delete(staging.into(), QueueDeleteOptions::default())
        .await?;
    let _ = channel.close(200, "deleted".into()).await;
    Ok(())
}

/// Deletes the classic `queue` only if it is empty and unused, on a throwaway channel
/// (a refusal closes it).
async fn delete_drained(connection: &Connection, queue: &str) -> Result<(), MigrationError> {
    let channel = connection.create_channel().await?;
    let only_if_drained = QueueDeleteOptions {
        if_empty: true,
        if_unused: true,
        ..QueueDeleteOptions::default()
    };
    match channel.queue_delete(queue.into(), only_if_drained).await {
        Ok(_) => {
            let _ = channel.close(200, "deleted".into()).await;
            Ok(())
        }
        Err(error) if reply_code(&error) == Some(PRECONDITION_FAILED) => {
            Err(MigrationError::InUse(queue.to_owned()))
        }
        Err(error) => Err(error.into()),
    }
}

async fn unbind_queue(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    routing_keys: &[&str],
) -> Result<(), lapin::Error> {
    for routing_key in routing_keys {
        channel
            .queue_unbind(
                queue.into(),
                exchange.into(),
                (*routing_key).into(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(())
}

/// The AMQP reply code of a channel or connection error the broker sent.
fn reply_code(error: &lapin::Error) -> Option<u16> {
    match error.kind() {
        ErrorKind::ProtocolError(amqp_error) => Some(amqp_error.get_id()),
        _ => None,
    }
}
