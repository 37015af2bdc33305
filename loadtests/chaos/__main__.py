"""The chaos suite: `python3 -m chaos` from loadtests/ (chaos.sh does it).

Starts the system (system.py), registers the clients' accounts, then writes
through the API at a steady rate while every fault of faults.py lands in
turn; keeps writing until N changes were acknowledged; waits until the
system is quiet; counts (accounting.py). Exits 1 if anything was lost,
applied twice, dead-lettered by an outage or left pending, and keeps the
processes' logs beside the results when it does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import accounting, faults
from .driver import Client, Ledger
from .report import write_report
from .system import ChaosSystem

CLIENTS = 8


def main() -> int:
    parser = argparse.ArgumentParser(prog="chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000,
                        help="changes to have acknowledged (default 10000)")
    parser.add_argument("--outage", type=float, default=85,
                        help="seconds the worker's database is away (default 85)")
    parser.add_argument("--quiet", type=float, default=10,
                        help="seconds between faults (default 10)")
    parser.add_argument("--ci", action="store_true",
                        help="the CI size: 1200 changes, a 20 s database outage, 5 s quiet")
    parser.add_argument("--binaries", type=Path, required=True,
                        help="the directory holding the release users and worker binaries")
    parser.add_argument("--out", type=Path, help="write chaos.json and chaos.md here")
    options = parser.parse_args()
    if options.ci:
        options.events, options.outage, options.quiet = 1200, 20, 5

    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    schedule = faults.schedule(options.outage)
    planned_s = sum(f.hold_s for f in schedule) + options.quiet * (len(schedule) + 1) + 30
    rate = max(5.0, options.events / planned_s)
    system = ChaosSystem(options.binaries)
    log(f"starting (run dir {system.run_dir})")
    system.start()
    problems: list[str] = []
    try:
        ledger, stop = Ledger(), threading.Event()
        clients = [Client(n, system.users.port, 2, rate / CLIENTS, ledger, stop)
                   for n in range(CLIENTS)]
        for client in clients:
            client.prepare()
        log(f"{CLIENTS} clients writing at {rate:.1f} changes/s in all")
        for client in clients:
            client.start()
        windows = faults.run(system, schedule, options.quiet, log)
        deadline = time.monotonic() + 3 * planned_s
        while ledger.total() < options.events and time.monotonic() < deadline:
            time.sleep(0.5)
        stop.set()
        for client in clients:
            client.join()
        load_ended = time.monotonic()
        log(f"load stopped: {ledger.total()} changes acknowledged; waiting for the drain")
        drain_s = accounting.wait_until_quiet(system, 180)
        counts = accounting.account(system, ledger)
        counts["drain_s"] = round(drain_s, 1)
        counts["rate_per_s"] = round(rate, 1)
        counts["faults"] = [
            {
                "fault": window.name,
                "held_s": round(window.healed - window.injected, 1),
                "recovery_s": round(window.recovered - window.healed, 1),
                "client_failures": faults.failures_in(
                    window, ledger.failures,
                    windows[i + 1].injected if i + 1 < len(windows) else load_ended),
            }
            for i, window in enumerate(windows)
        ]
        problems = accounting.verdict(counts)
        counts["passed"] = not problems
        print(json.dumps({k: v for k, v in counts.items() if k != "faults"}, indent=2))
        if options.out:
            write_report(options.out, counts, options)
            log(f"results in {options.out}")
    finally:
        logs = None
        if problems or sys.exc_info()[0] is not None:
            logs = (options.out or Path(tempfile.mkdtemp(prefix="capstone-chaos-"))) / "logs"
        system.stop(keep_logs_in=logs)
        if logs:
            print(f"logs kept in {logs}", file=sys.stderr)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
