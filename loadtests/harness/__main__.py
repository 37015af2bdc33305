"""`python -m harness [--smoke] [--out DIR]`, run by loadtests/run.sh after the build.

Starts the system (system.py), seeds an account, runs every scenario
(scenarios.py) closed loop then open loop (runner.py), counts the event
pipeline against the broker alone (pipeline.py), measures the users cache's
hit ratio behind three instances with each balancing strategy (affinity.py,
key `affinity`), and writes the results (report.py). Exits 1 when any
request failed (a non-2xx answer, a transport error), an acknowledged event
never reached the audit trail, a process outgrew its peak-RSS bound
(`rss_limits_mib` in scenarios.py), or an affinity instance got no traffic.

`--profile SCENARIO` runs that scenario closed loop under `perf record` and
writes the hottest functions of each process on its path (profile.py).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from . import affinity, report
from .pipeline import broker_baseline
from .profile import profile as perf_profile
from .runner import Runner
from .scenarios import FULL, QUICK, SCENARIOS, SMOKE, Profile, Scenario
from .system import LOADTESTS, SystemUnderTest

PUBLISHED = LOADTESTS / "results"
BOOK_PLOTS = LOADTESTS.parent / "docs" / "src" / "loadtests"
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/capstone/target"))


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                 if line.startswith("model name"))
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{model}, {os.cpu_count()} cores, {memory_kib / 2**20:.0f} GiB, Linux {platform.release()}"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=LOADTESTS, capture_output=True, text=True).stdout.strip()
    # Dirty means the code differs from the commit; the book and the results
    # themselves are rewritten by this very run.
    changed = git("status", "--porcelain", "--", ":/", ":!/docs", ":!/loadtests/results")
    dirty = "-dirty" if changed else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def criterion_hashes_per_s(profile: Profile) -> float | None:
    """One argon2id hash on one core, from the criterion bench (full profile only)."""
    if not profile.bench_argon2:
        return None
    subprocess.run(
        ["cargo", "bench", "--quiet", "-p", "capstone-users", "--bench", "password_hashing",
         "--", "argon2id hash"],
        cwd=LOADTESTS.parent, check=True,
    )
    estimates = glob.glob(str(TARGET_DIR / "criterion/password/argon2id hash*/new/estimates.json"))
    nanoseconds = json.loads(Path(estimates[0]).read_text())["mean"]["point_estimate"]
    return round(1e9 / nanoseconds, 1)


def failures(scenarios: dict) -> list[str]:
    found = []
    for key, scenario in scenarios.items():
        runs = scenario["closed"]["rounds"] + scenario["open"]
        for run in runs:
            # A request sent and refused (or never answered) fails the run.
            # Requests never sent (the offered rate was above what the path
            # serves) are a figure, shown in the table, not a failure.
            bad = run["errors"] + run["transport_errors"]
            if bad:
                found.append(f"{key} ({run['mode']}, {run['offered_rps']}): {bad} failed: "
                             f"{run['status_errors']}, transport {run['transport_errors']}")
            if run.get("events", {}).get("lost"):
                found.append(f"{key}: {run['events']['lost']} events lost")
        found += report.memory_over_bounds(key, scenario)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="seconds per scenario: the plumbing only")
    parser.add_argument("--out", type=Path, default=PUBLISHED)
    parser.add_argument("--profile", metavar="SCENARIO", choices=[s.key for s in SCENARIOS],
                        help="profile one scenario with perf instead of measuring them all")
    parser.add_argument("--binaries", type=Path, default=TARGET_DIR / "release",
                        help="where the release binaries are (to measure an older build: "
                        "copy its binaries aside)")
    parser.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE",
                        help="set in the services' environment (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs, one open-loop rate: for comparing two builds")
    parser.add_argument("--only", metavar="KEY,KEY",
                        help="only these scenarios (keys in scenarios.py, and `affinity`)")
    args = parser.parse_args()
    profile = SMOKE if args.smoke else QUICK if args.quick else FULL
    service_env = dict(pair.split("=", 1) for pair in args.service_env)
    if args.profile:
        return profile_one(args.profile, profile, SystemUnderTest(args.binaries, service_env), args.out)
    only = args.only.split(",") if args.only else None
    known = {s.key for s in SCENARIOS} | {affinity.KEY}
    if only and not set(only) <= known:
        parser.error(f"--only: unknown {', '.join(sorted(set(only) - known))} "
                     f"(known: {', '.join(sorted(known))})")
    chosen = [s for s in SCENARIOS if not only or s.key in only]
    with_affinity = not only or affinity.KEY in only
    return measure(profile, chosen, with_affinity, SystemUnderTest(args.binaries, service_env), args.out)


def profile_one(key: str, profile: Profile, system: SystemUnderTest, out: Path) -> int:
    scenario = next(s for s in SCENARIOS if s.key == key)
    with system:
        runner = Runner(system, profile)
        runner.seed()
        for path in perf_profile(runner, scenario, out):
            print(path.read_text())
    return 0


def measure(profile: Profile, chosen: list[Scenario], with_affinity: bool, system: SystemUnderTest,
            out: Path) -> int:
    # The bench is compared with the register scenario only.
    hashes_per_s = criterion_hashes_per_s(profile) if any(s.key == "register" for s in chosen) else None
    with system:
        runner = Runner(system, profile)
        runner.seed()
        idle = {name: round(process.rss_mib(), 1) for name, process in system.processes.items()}
        scenarios = runner.run(chosen)
        routing_affinity = (affinity.measure(system, runner.emails["users"], profile.name)
                            if with_affinity else None)
        # What each process kept once the load was over.
        time.sleep(2)
        after = {name: round(process.rss_mib(), 1) for name, process in system.processes.items()}
        baseline = {}
        if "patch" in scenarios:
            patch = scenarios["patch"]
            arrived = patch["closed"]["median"]["events"]["arrived"]
            baseline["max"] = broker_baseline(system, arrived, None)
            for run in patch["open"]:
                rate = run["offered_rps"]
                baseline[f"{rate:.0f}/s"] = broker_baseline(system, round(rate * profile.duration_s), rate)

    results = {
        "meta": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "commit": commit(),
            "profile": profile.name,
            "profile_detail": f"{profile.rounds} closed-loop round(s) of {profile.duration_s:g} s "
            f"after {profile.warmup_s:g} s warm-up, {profile.connections} connections; "
            f"open loop at {', '.join(f'{f:.0%}' for f in profile.open_fractions)} "
            "of the slowest peer's maximum",
        },
        "idle_rss_mib": idle,
        "rss_after_load_mib": after,
        "scenarios": scenarios,
        "broker_baseline": baseline,
    }
    if "register" in scenarios:
        register = scenarios["register"]["closed"]["median"]
        results["argon2"] = {
            "registrations_per_cpu_s": round(
                register["ok"] / max(register["cpu_seconds"]["users"], 1e-9), 1
            ),
            "criterion_hashes_per_s": hashes_per_s,
        }
    if routing_affinity:
        results["affinity"] = routing_affinity
    results["targets"] = report.targets(scenarios)
    published = out.resolve() == PUBLISHED.resolve()
    report.write(results, out, BOOK_PLOTS if published else out)
    print((out / "results.md").read_text())
    problems = failures(scenarios)
    if routing_affinity:
        problems += affinity.failures(routing_affinity)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
