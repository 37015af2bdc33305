//! `capstone doctor`: is every dependency there, and if not, what to run.

use anyhow::bail;
use capstone_platform::{
    probe::{self, ProbeOutcome, ProbeReport},
    service::how_to_start,
    settings::BackingServices,
};

#[allow(clippy::print_stdout)] // the report is this command's output
pub(crate) async fn run(services: BackingServices) -> anyhow::Result<()> {
    let (postgres, redis, rabbitmq) = tokio::join!(
        probe::probe_postgres(&services.database),
        probe::probe_redis(&services.redis),
        probe::probe_rabbitmq(&services.amqp),
    );

    let mut problems = 0;
    for report in [postgres, redis, rabbitmq] {
        println!("{}", line(&report));
        if let Some(advice) = advice(&report) {
            problems += 1;
            println!("{}\n", indent(&advice));
        }
    }
    if problems == 0 {
        println!("\nEverything Capstone needs is reachable. Run `cargo run` to start it.");
        Ok(())
    } else {
        bail!("{problems} dependency check(s) failed; see the advice above.")
    }
}

fn line(report: &ProbeReport) -> String {
    let (mark, detail) = match &report.outcome {
        ProbeOutcome::Healthy(detail) => ("ok  ", detail),
        ProbeOutcome::NeedsSetup(detail) => ("WARN", detail),
        ProbeOutcome::Unreachable(detail) => ("FAIL", detail),
    };
    format!(
        "{mark} {:<10} {:<40} {detail}",
        report.dependency.label(),
        report.target
    )
}

fn advice(report: &ProbeReport) -> Option<String> {
    match &report.outcome {
        ProbeOutcome::Healthy(_) => None,
        ProbeOutcome::Unreachable(_) => Some(how_to_start(report.dependency)),
        ProbeOutcome::NeedsSetup(detail) if detail.contains("does not exist") => Some(
            "Create it and apply the schema with `cargo run -- migrate` \
             (`cargo run` also does this in development)."
                .to_owned(),
        ),
        ProbeOutcome::NeedsSetup(_) => {
            Some("Fix the credentials in the URL (DATABASE_URL, REDIS_URL or AMQP_URL).".to_owned())
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("     {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
