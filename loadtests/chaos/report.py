"""chaos.json (everything) and chaos.md (the tables the book includes)."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip() or "unknown"


def write_report(out: Path, counts: dict, options) -> None:
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "commit": _commit(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {_cores()} cores",
        "events": options.events,
        "outage_s": options.outage,
    }
    (out / "chaos.json").write_text(json.dumps({"meta": meta, **counts}, indent=2) + "\n")
    lag = counts["lag_s"] or {}
    lines = [
        f"Run at {meta['commit']} on {meta['date']} ({meta['machine']}): "
        f"{counts['acknowledged_total']} changes acknowledged at {counts['rate_per_s']}/s "
        f"while every fault below landed in turn.",
        "",
        "| acknowledged | committed | published | applied | lost | applied twice "
        "| dead-lettered | pending | emails sent twice |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {counts['acknowledged_total']} | {counts['committed']} | {counts['published']} "
        f"| {counts['applied']} | {counts['lost']} | {counts['applied_twice']} "
        f"| {counts['dead_lettered']} | {counts['pending']} | {counts['emails_sent_twice']} |",
        "",
        f"Delivery lag (commit to audit row): p50 {lag.get('p50')} s, p99 {lag.get('p99')} s, "
        f"p99.9 {lag.get('p999')} s, max {lag.get('max')} s; "
        f"the system was quiet {counts['drain_s']} s after the load stopped.",
        "",
        "| fault | held (s) | back in (s) | client requests refused or failed meanwhile |",
        "|---|---:|---:|---|",
    ]
    for fault in counts["faults"]:
        failures = ", ".join(f"{count} {kind}" for kind, count in
                             sorted(fault["client_failures"].items())) or "none"
        lines.append(f"| {fault['fault']} | {fault['held_s']} | {fault['recovery_s']} "
                     f"| {failures} |")
    (out / "chaos.md").write_text("\n".join(lines) + "\n")


def _cores() -> int:
    import os
    return os.cpu_count() or 0
