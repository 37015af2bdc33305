"""Counting, Jepsen-style: what the clients were promised against what the
system did, by event id, once every fault has healed and the system is quiet.

    acknowledged    changes the API answered 2xx (the clients' ledger)
    committed       events in the users service's outbox (the change's own transaction)
    published       of those, confirmed by RabbitMQ (`outbox.sent_at`)
    applied         of those, in the worker's audit trail (its own database)
    lost            committed, but neither applied, dead-lettered nor pending
    applied twice   audit events the worker *applied* (not "already applied")
                    more than once, from its logs: the idempotency check failing
    dead-lettered   messages in any dead-letter queue (no event here is poison,
                    so every one is an outage that spent retries)
    pending         unsent outbox rows and messages still queued at the end

An acknowledged change must be committed: per account, the clients' count
of 2xx PATCHes may not exceed that account's `user.updated` events (more
events than acknowledgements is fine: a change can commit and its answer be
lost with the process that was sending it).
"""

from __future__ import annotations

import json
import time
from collections import Counter

from harness.system import psql

from .system import ChaosSystem

AUDITED = ("user.updated", "user.registered")


def _committed(system: ChaosSystem) -> dict[str, tuple[str, str, bool]]:
    """event id -> (type, user id, sent)."""
    rows = psql(system.users_database,
                "SELECT id, event_type, envelope->'payload'->>'user_id', sent_at IS NOT NULL "
                "FROM outbox WHERE event_type IN ('user.updated', 'user.registered')")
    committed = {}
    for line in rows.splitlines():
        event_id, event_type, user_id, sent = line.split("|")
        committed[event_id] = (event_type, user_id, sent == "t")
    return committed


def _applied(system: ChaosSystem) -> dict[str, float]:
    """event id -> delivery lag in seconds (recorded_at - occurred_at)."""
    rows = psql(system.worker_database,
                "SELECT event_id, extract(epoch FROM recorded_at - occurred_at) FROM audit_log")
    applied = {}
    for line in rows.splitlines():
        event_id, lag = line.split("|")
        applied[event_id] = float(lag)
    return applied


def _queued(system: ChaosSystem) -> tuple[Counter, int, dict[str, str]]:
    """(concern -> messages in its dead-letter queue, messages in every other
    queue, queue name -> type)."""
    dead, waiting, types = Counter(), 0, {}
    for name, queue in system.rabbit.queues().items():
        count = int(queue["ready"]) + int(queue["unacked"])
        types[name] = str(queue["type"])
        if name.endswith(".dead-letters"):
            dead[name.split(".")[-2]] += count  # chaos.worker.CONCERN.dead-letters
        else:
            waiting += count
    return dead, waiting, types


def _unsent(system: ChaosSystem) -> int:
    return int(psql(system.users_database, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"))


def wait_until_quiet(system: ChaosSystem, seconds: float) -> float:
    """Waits until nothing is unsent or queued (or `seconds` pass);
    returns how long the system took to drain."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        _, waiting, _ = _queued(system)
        if _unsent(system) == 0 and waiting == 0:
            return time.monotonic() - began
        time.sleep(1)
    return time.monotonic() - began


def _applied_twice(system: ChaosSystem) -> tuple[int, int]:
    """(audit events applied more than once, emails sent more than once),
    from the worker's JSON log lines "event handled" with outcome Applied."""
    applied = Counter()
    for line in system.worker.log.read_text(errors="replace").splitlines():
        if "event handled" not in line or "Applied" not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        fields = {**record, **record.get("fields", {}), **record.get("span", {})}
        if fields.get("outcome") == "Applied":
            applied[(fields.get("concern"), fields.get("event_id"))] += 1
    twice = Counter(concern for (concern, _), count in applied.items() if count > 1)
    return twice["audit"], twice["email"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def account(system: ChaosSystem, ledger) -> dict:
    committed = _committed(system)
    applied = _applied(system)
    dead, waiting, queue_types = _queued(system)
    unsent = _unsent(system)
    audit_twice, emails_twice = _applied_twice(system)

    events_per_user = Counter(user for (kind, user, _) in committed.values()
                              if kind == "user.updated")
    unrecorded = {user: count - events_per_user[user]
                  for user, count in ledger.acknowledged_per_user.items()
                  if count > events_per_user[user]}
    lags = [applied[event_id] for event_id in committed if event_id in applied]
    missing = [event_id for event_id in committed if event_id not in applied]
    # Audited events that are neither applied nor accounted for elsewhere.
    lost = max(0, len(missing) - dead["audit"] - waiting - unsent)
    return {
        "acknowledged": dict(ledger.acknowledged),
        "acknowledged_total": sum(ledger.acknowledged.values()),
        "acknowledged_not_committed": sum(unrecorded.values()),
        "committed": len(committed),
        "published": sum(1 for (_, _, sent) in committed.values() if sent),
        "applied": len(lags),
        "lost": lost,
        "applied_twice": audit_twice,
        "emails_sent_twice": emails_twice,
        "dead_lettered": sum(dead.values()),
        "dead_lettered_by_concern": dict(dead),
        "pending": unsent + waiting,
        "not_yet_applied": missing[:10],
        "queue_types": queue_types,
        "lag_s": {
            "p50": round(_percentile(lags, 0.5), 3),
            "p99": round(_percentile(lags, 0.99), 3),
            "p999": round(_percentile(lags, 0.999), 3),
            "max": round(max(lags), 3),
        } if lags else None,
    }


# ANCHOR: verdict
def verdict(counts: dict) -> list[str]:
    """Every broken promise, in words; empty when the run passed."""
    problems = []
    for key, what in [
        ("acknowledged_not_committed", "changes acknowledged but not committed"),
        ("lost", "events lost"),
        ("applied_twice", "audit events applied twice"),
        ("dead_lettered", "messages dead-lettered (no event here is poison: an outage spent retries)"),
        ("pending", "events still pending after the drain"),
    ]:
        if counts[key]:
            problems.append(f"{counts[key]} {what}")
    if counts["committed"] < counts["acknowledged_total"]:
        problems.append("fewer events committed than changes acknowledged")
    return problems
# ANCHOR_END: verdict
