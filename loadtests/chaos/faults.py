"""The fault schedule: each fault is injected while the clients keep
writing, held, healed, and followed by a quiet spell before the next.

| fault | what happens | what should follow |
|---|---|---|
| worker SIGKILL | the worker dies mid-message | unacked messages are redelivered to the new worker |
| broker SIGKILL | RabbitMQ dies, restarts from disk | the relay keeps events in the outbox, both sides reconnect |
| users SIGKILL | the API and its relay die mid-batch | a claimed batch is published again: a duplicate, never a gap |
| worker database outage | the worker's Postgres refuses connections | the worker pauses its consumers; no retry is spent |
| Redis outage | the users service's cache and limits vanish | reads go to Postgres, limits fall back; writes go on |
| network cut to RabbitMQ | every AMQP connection is reset, new ones refused | as a broker crash, but the broker keeps its state |
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from .system import ChaosSystem


@dataclass
class Fault:
    name: str
    inject: Callable[[ChaosSystem], None]
    heal: Callable[[ChaosSystem], None]
    hold_s: float


@dataclass
class Window:
    """When a fault was in force, as the suite's monotonic clock saw it."""

    name: str
    injected: float
    healed: float
    recovered: float  # healing done: the restarted process answers ready


# ANCHOR: schedule
def schedule(outage_s: float) -> list[Fault]:
    """Every fault once; `outage_s` is how long the worker's database is away
    (85 s in the published run: longer than the production retry delays,
    1 + 10 + 60 s, together)."""
    return [
        Fault("worker SIGKILL", lambda s: s.worker.kill(), lambda s: s.worker.start(), 2),
        Fault("broker SIGKILL (16 s down)", lambda s: s.rabbit.kill(),
              lambda s: s.rabbit.start(), 16),
        Fault("users and relay SIGKILL", lambda s: s.users.kill(),
              lambda s: s.users.start(), 2),
        Fault(f"worker database outage ({outage_s:g} s)", lambda s: s.db_proxy.cut(),
              lambda s: s.db_proxy.restore(), outage_s),
        Fault("Redis outage (10 s)", lambda s: s.redis.kill(), lambda s: s.redis.start(), 10),
        Fault("network cut to RabbitMQ (10 s)", lambda s: s.amqp_proxy.cut(),
              lambda s: s.amqp_proxy.restore(), 10),
    ]
# ANCHOR_END: schedule


def run(system: ChaosSystem, faults: list[Fault], quiet_s: float, log) -> list[Window]:
    windows = []
    for fault in faults:
        time.sleep(quiet_s)
        log(f"fault: {fault.name}")
        injected = time.monotonic()
        fault.inject(system)
        time.sleep(fault.hold_s)
        healed = time.monotonic()
        fault.heal(system)
        windows.append(Window(fault.name, injected, healed, time.monotonic()))
        log(f"healed: {fault.name} (recovered in {time.monotonic() - healed:.1f} s)")
    time.sleep(quiet_s)
    return windows


def failures_in(window: Window, failures: list[tuple[float, str]], until: float) -> dict[str, int]:
    """Client failures between the fault's injection and `until` (the next
    fault, or the end of the load), by kind."""
    counts: dict[str, int] = {}
    for at, kind in failures:
        if window.injected <= at < until:
            counts[kind] = counts.get(kind, 0) + 1
    return counts
