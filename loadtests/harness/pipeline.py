"""The event pipeline: what was acknowledged against what arrived, and how fast.

A PATCH that answered 200 committed a row to the users service's outbox in
the same transaction. The relay publishes it to RabbitMQ (with confirms),
the worker consumes it and writes one audit row (deduplicated by event id)
in its own database, then acks. So after a run, every outbox row written in
the run's window must have exactly one audit row, matched by event id; the
latency of each event is `recorded_at - occurred_at` (one machine, one clock).

The baseline is the broker alone: `broker-baseline` publishes with confirms
and consumes with acks on the same RabbitMQ, nothing else.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .system import psql

EVENT_TYPES = {"patch": "user.updated", "register": "user.registered"}


def _outbox_ids(system, event_type: str, started: datetime, ended: datetime) -> list[str]:
    rows = psql(
        system.name,
        f"SELECT id FROM outbox WHERE event_type = '{event_type}' "
        f"AND created_at BETWEEN '{started.isoformat()}' AND '{ended.isoformat()}'",
    )
    return rows.split() if rows else []


def _in_ids(ids: list[str]) -> str:
    return "event_id = ANY('{" + ",".join(ids) + "}'::uuid[])"


def _arrived(system, ids: list[str]) -> int:
    if not ids:
        return 0
    return int(psql(f"{system.name}_worker", f"SELECT count(*) FROM audit_log WHERE {_in_ids(ids)}"))


def account_for_events(system, scenario, user_id: str, started: datetime, ended: datetime) -> dict:
    """Waits for the worker to catch up, then counts and times the run's events."""
    event_type = EVENT_TYPES[scenario.key]
    ids = _outbox_ids(system, event_type, started, ended)
    arrived, last_progress, began = 0, time.monotonic(), time.monotonic()
    # Caught up, or stuck for 10 s (then what is missing is reported as lost).
    while arrived < len(ids) and time.monotonic() - last_progress < 10:
        time.sleep(0.25)
        now_arrived = _arrived(system, ids)
        if now_arrived > arrived:
            arrived, last_progress = now_arrived, time.monotonic()
    arrived = _arrived(system, ids)
    summary = {
        "event_type": event_type,
        "committed": len(ids),
        "arrived": arrived,
        "lost": len(ids) - arrived,
        "drain_s": round(time.monotonic() - began, 2),
    }
    if arrived:
        stats = psql(
            f"{system.name}_worker",
            "SELECT percentile_cont(ARRAY[0.5, 0.9, 0.99, 0.999]) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM recorded_at - occurred_at)), "
            "max(extract(epoch FROM recorded_at - occurred_at)), "
            "extract(epoch FROM max(recorded_at) - min(occurred_at)) "
            f"FROM audit_log WHERE {_in_ids(ids)}",
        ).split("|")
        p50, p90, p99, p999 = (float(v) * 1000 for v in stats[0].strip("{}").split(","))
        span = float(stats[2])
        summary["latency_ms"] = {
            "p50": round(p50, 2), "p90": round(p90, 2), "p99": round(p99, 2),
            "p999": round(p999, 2), "max": round(float(stats[1]) * 1000, 2),
        }
        summary["events_per_s"] = round(arrived / span, 1) if span > 0 else None
    return summary


def broker_baseline(system, messages: int, rate: float | None) -> dict:
    """The raw broker round trip: publish with confirms, consume with acks."""
    command = [
        str(system.binaries / "broker-baseline"),
        "--amqp-url", "amqp://guest:guest@127.0.0.1:5672/%2f",
        "--queue", f"{system.name}_baseline",
        "--messages", str(max(messages, 1)),
    ]
    if rate is not None:
        command += ["--rate", f"{rate:.0f}"]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([*command, "--out", out.name], check=True)
        return json.loads(Path(out.name).read_text())

