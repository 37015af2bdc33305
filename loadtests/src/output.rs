//! Where a tool's JSON report goes: a file (`--out`) or standard output.

use std::{io::Write, path::Path};

use anyhow::Context;
use serde::Serialize;

/// Writes `report` as pretty JSON followed by a newline.
pub fn write_report(report: &impl Serialize, out: Option<&Path>) -> anyhow::Result<()> {
    let mut json = serde_json::to_vec_pretty(report).context("serializing the report")?;
    json.push(b'\n');
    match out {
        Some(path) => std::fs::write(path, json)
            .with_context(|| format!("writing the report to {}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(&json)
            .context("writing the report to standard output"),
    }
}
