//! `capstone dlq list|replay`: the worker's dead letters, for operators.
//!
//! The work itself is `capstone_worker::dead_letters` (which returns data);
//! this module only formats it. It reads the same settings as the worker
//! (`[amqp]`, `[worker]`), so it finds the same queues.

use anyhow::{Context, anyhow, bail};
use capstone_platform::{probe::Dependency, service::how_to_start};
use capstone_worker::{
    Concern, Settings, Topology,
    dead_letters::{self, DeadLetter, DeadLetterError, Selection},
};

use crate::cli::DlqAction;

#[allow(clippy::print_stdout)] // printing the dead letters is this command's job
pub(crate) async fn run(settings: Settings, action: DlqAction) -> anyhow::Result<()> {
    let topology = Topology::new(&settings.amqp, &settings.worker.retry_delays_ms);
    match action {
        DlqAction::List { concern, limit } => {
            let letters = dead_letters::list(&settings.amqp, &topology, concern, limit)
                .await
                .map_err(explain)
                .context("cannot list dead letters")?;
            if letters.is_empty() {
                println!("No dead letters{}.", scope(concern));
            }
            for letter in &letters {
                println!("{}", format_letter(letter));
            }
        }
        DlqAction::Replay { concern, id, all } => {
            let selection = match (id, all) {
                (Some(id), _) => Selection::EventId(id),
                (None, true) => Selection::All,
                // clap requires one of them; say so if it ever lets neither through.
                (None, false) => bail!("Say which: --id EVENT_ID or --all."),
            };
            let replayed = dead_letters::replay(&settings.amqp, &topology, concern, &selection)
                .await
                .map_err(explain)
                .context("cannot replay dead letters")?;
            println!(
                "Replayed {replayed} dead letter(s){} to their work queue.",
                scope(concern)
            );
        }
    }
    Ok(())
}

fn scope(concern: Option<Concern>) -> String {
    concern.map_or_else(String::new, |concern| format!(" of {concern}"))
}

fn format_letter(letter: &DeadLetter) -> String {
    let unknown = || "?".to_owned();
    format!(
        "{concern:<6} {id}  {kind}\n       reason: {reason}\n       attempts: {attempts}, replays: {replays}, failed in: {queue}",
        concern = letter.concern,
        id = letter.event_id.clone().unwrap_or_else(unknown),
        kind = letter.event_type.clone().unwrap_or_else(unknown),
        reason = letter.reason.clone().unwrap_or_else(unknown),
        attempts = letter.attempts,
        replays = letter.replays,
        queue = letter.failed_queue.clone().unwrap_or_else(unknown),
    )
}

/// The error with what to do about it, when there is something to do.
fn explain(error: DeadLetterError) -> anyhow::Error {
    match error {
        DeadLetterError::Connect(cause) => anyhow!(
            "Cannot reach RabbitMQ: {cause}.\n\n{}",
            how_to_start(Dependency::RabbitMq)
        ),
        DeadLetterError::Amqp(cause) if cause.to_string().contains("NOT_FOUND") => anyhow!(
            "RabbitMQ has no such dead-letter queue ({cause}). The worker declares its queues \
             when it first connects: start it once (`cargo run -- up`), or check amqp.prefix."
        ),
        other => other.into(),
    }
}
