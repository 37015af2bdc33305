"""Runs the scenarios: closed loop for the maximum, then open loop at fixed rates.

Closed loop: N connections, each sends its next request as soon as the last
answer arrives. It finds the maximum rate, but its latencies flatter a slow
server (a stalled server stalls the sender too, so the requests it would
have sent meanwhile are never timed: coordinated omission).

Open loop: requests leave on a fixed schedule whatever the answers, and
each is timed from when it *should* have left. That is what users see, and
the only honest way to compare latency across paths: at the same offered
rate.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .pipeline import account_for_events
from .processes import UsageMeter
from .scenarios import CACHED_READ, Profile, Scenario
from .system import PASSWORD, SystemUnderTest


class Runner:
    def __init__(self, system: SystemUnderTest, profile: Profile):
        self.system = system
        self.profile = profile
        self.emails: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.runs = 0  # loadgen invocations so far: keeps `{n}` addresses unique across runs

    def seed(self) -> None:
        """One account on each users instance; the bare handler serves its JSON."""
        for service in ["users", "uncached"]:
            email = f"{self.system.name}-{service}@load.example.com"
            self.system.register(service, email)
            self.emails[service] = email
            self.ids[service] = self.system.user_id(service, self.system.token(service, email))
        token = self.system.token("users", self.emails["users"])
        body = self.system.raw_get(self.system.url("users", f"/api/v1/users/{self.ids['users']}"), token)
        self.system.start_bare(body)

    # ---- one loadgen run ---------------------------------------------------

    def loadgen(self, scenario: Scenario, rate: float | None) -> dict:
        system = self.system
        self.runs += 1
        user = scenario.token_from or "users"
        url = system.url(scenario.target, scenario.path.replace("{id}", self.ids[user]))
        command = [
            str(system.binaries / "loadgen"),
            "--url", url,
            "--method", scenario.method,
            "--connections", str(self.profile.connections),
            "--duration", str(self.profile.duration_s),
            "--warmup", str(0 if scenario.writes_events else self.profile.warmup_s),
        ]
        if scenario.token_from:
            token = system.token(scenario.token_from, self.emails[scenario.token_from])
            command += ["--header", f"Authorization: Bearer {token}"]
        if scenario.body:
            body = (
                scenario.body.replace("@EMAIL@", self.emails["users"])
                .replace("@PASSWORD@", PASSWORD)
                .replace("@RUN@", f"{system.name}-{self.runs}")
            )
            command += ["--header", "Content-Type: application/json", "--body", body]
        if rate is not None:
            command += ["--rate", f"{rate:.0f}"]
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            processes = [system.processes[name] for name in scenario.processes]
            started = datetime.now(timezone.utc)
            with UsageMeter(processes) as usage:
                subprocess.run([*command, "--out", out.name], check=True)
            ended = datetime.now(timezone.utc)
            result = json.loads(Path(out.name).read_text())
        result["cpu_seconds"] = usage.cpu_seconds
        result["peak_rss_mib"] = {k: round(v, 1) for k, v in usage.peak_rss_mib.items()}
        result["cpu_s_per_10k"] = {
            name: round(spent / max(result["ok"], 1) * 10_000, 3)
            for name, spent in usage.cpu_seconds.items()
        }
        if scenario.writes_events:
            result["events"] = account_for_events(system, scenario, self.ids["users"], started, ended)
        return result

    # ---- the two modes ---------------------------------------------------

    def closed_loop(self, scenario: Scenario) -> dict:
        rounds = [self.loadgen(scenario, None) for _ in range(self.profile.rounds)]
        ranked = sorted(rounds, key=lambda run: run["throughput_rps"])
        return {"rounds": rounds, "median": ranked[len(ranked) // 2]}

    def open_rates(self, group: list[Scenario], maxima: dict[str, float]) -> list[float]:
        """Fractions of the slowest peer's maximum; for the cached read also
        half of nginx's maximum (the rate the gateway's p99 target is set at)."""
        peers = [s for s in group if not s.baseline] or group
        slowest = min(maxima[s.key] for s in peers)
        rates = {round(slowest * fraction) for fraction in self.profile.open_fractions}
        if group[0].group == CACHED_READ and "nginx" in maxima:
            rates.add(round(maxima["nginx"] * 0.5))
        return sorted(rate for rate in rates if rate > 0)

    def run(self, scenarios: list[Scenario]) -> dict:
        closed = {}
        for scenario in scenarios:
            print(f"closed loop: {scenario.title}", flush=True)
            closed[scenario.key] = self.closed_loop(scenario)
        maxima = {key: run["median"]["throughput_rps"] for key, run in closed.items()}
        open_loop: dict[str, list[dict]] = {s.key: [] for s in scenarios}
        for group in _groups(scenarios):
            for rate in self.open_rates(group, maxima):
                for scenario in group:
                    print(f"open loop at {rate}/s: {scenario.title}", flush=True)
                    open_loop[scenario.key].append(self.loadgen(scenario, rate))
        return {
            s.key: {
                "title": s.title,
                "group": s.group,
                "baseline": s.baseline,
                "processes": list(s.processes),
                "rss_limits_mib": dict(s.rss_limits_mib),
                "closed": closed[s.key],
                "open": open_loop[s.key],
            }
            for s in scenarios
        }


def _groups(scenarios: list[Scenario]) -> list[list[Scenario]]:
    groups: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        groups.setdefault(scenario.group, []).append(scenario)
    return list(groups.values())

