# ANCHOR: affinity
"""Routing affinity, measured: the users service's in-process cache hit
ratio with three instances behind the gateway, power of two choices
against consistent hashing, under the same requests.

    seed      N accounts (rows copied from the harness's seeded account, so
              they share its password hash: no N argon2 hashes), each
              logged in once through the API (N argon2 verifies, in
              parallel), which gives N genuine access tokens
    sequence  for every due time of the open-loop schedule, the caller:
              user rank r drawn with weight 1 / r^s (Zipf, seeded), the
              same list for both strategies
    per strategy, everything else identical:
              the user-cache keys in Redis deleted; three fresh users
              instances (same database and Redis, their own ports) and a
              fresh gateway listing all three with that strategy; /metrics
              of each instance scraped; loadgen sends GET /api/v1/users/me
              through the gateway's edge route (the token verified there,
              so consistent hashing has the user id) at a fixed rate, each
              request with its caller's token; /metrics scraped again

The figures are the differences between the scrapes, summed over the three
instances. The run fails if any request failed or an instance got none.
"""
# ANCHOR_END: affinity

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from .system import SystemUnderTest, psql

KEY = "affinity"
STRATEGIES = ("power_of_two_choices", "consistent_hash")
INSTANCES = 3
ROUTE = "/api/v1/users/me"


# ANCHOR: affinity_profile
@dataclass(frozen=True)
class AffinityProfile:
    users: int  # distinct callers, each with their own token
    zipf_exponent: float  # caller of rank r drawn with weight 1 / r^s
    rate: float  # requests per second, open loop, the same for both strategies
    duration_s: float  # per strategy; well past the 5 s local TTL
    connections: int
    seed: int = 2017  # the caller sequence's generator


AFFINITY = {
    "full": AffinityProfile(users=1000, zipf_exponent=0.9, rate=400, duration_s=60, connections=16),
    "quick": AffinityProfile(users=500, zipf_exponent=0.9, rate=400, duration_s=20, connections=16),
    # The plumbing only: a few callers, a few seconds, no figure worth reading.
    "smoke": AffinityProfile(users=12, zipf_exponent=0.9, rate=40, duration_s=2, connections=4),
}
# ANCHOR_END: affinity_profile


# ---- the callers --------------------------------------------------------------


def seed_users(system: SystemUnderTest, seed_email: str, count: int) -> list[str]:
    """`count` accounts in the harness's database with the seeded account's
    password hash (so the harness's password logs each in), their emails."""
    prefix = f"{system.name}-affinity-"
    psql(
        system.name,
        f"""
        INSERT INTO users (id, email, display_name, password_hash)
        SELECT gen_random_uuid(), '{prefix}' || n || '@load.example.com', 'Affinity ' || n,
               (SELECT password_hash FROM users WHERE email = '{seed_email}')
        FROM generate_series(1, {count}) AS n
        """,
    )
    return [f"{prefix}{n}@load.example.com" for n in range(1, count + 1)]


def log_in_all(system: SystemUnderTest, emails: list[str]) -> tuple[list[str], float]:
    """An access token per email, logged in through the harness's own users
    instance (not one of the three measured), and the seconds it took."""
    started = time.monotonic()
    # Two hashes per core at most run at once (the hasher's permits); four
    # threads keep both cores busy while answers travel.
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = list(pool.map(lambda email: system.token("users", email), emails))
    return tokens, round(time.monotonic() - started, 1)


def caller_sequence(profile: AffinityProfile) -> list[int]:
    """The caller (an index into the tokens) of every due time of the run:
    Zipf over the user ranks, from a seeded generator."""
    weights = [1 / (rank**profile.zipf_exponent) for rank in range(1, profile.users + 1)]
    cumulative = list(itertools.accumulate(weights))
    count = int(profile.rate * profile.duration_s) + 1
    return random.Random(profile.seed).choices(range(profile.users), cum_weights=cumulative, k=count)


# ---- the metrics ---------------------------------------------------------------

_SAMPLE = re.compile(r"^(?P<name>[a-z_:]+)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(url: str) -> dict:
    """The counters the measurement reads, from one instance's /metrics."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        text = answer.read().decode()
    counts = {"local_hits": 0.0, "local_misses": 0.0, "redis_hits": 0.0, "redis_misses": 0.0,
              "requests": 0.0, "failed": 0.0}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if not match:
            continue
        name, value = match["name"], float(match["value"])
        labels = dict(_LABEL.findall(match["labels"] or ""))
        layer = labels.get("layer")
        if name == "capstone_users_cache_hits_total" and layer in ("local", "redis"):
            counts[f"{layer}_hits"] += value
        elif name == "capstone_users_cache_misses_total" and layer in ("local", "redis"):
            counts[f"{layer}_misses"] += value
        elif name == "capstone_http_requests_total" and labels.get("route") == ROUTE:
            counts["requests"] += value
            if not labels.get("status", "").startswith("2"):
                counts["failed"] += value
    return counts


def _difference(after: dict, before: dict) -> dict:
    return {key: round(after[key] - before[key]) for key in after}


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# ---- one strategy ----------------------------------------------------------------


def _clear_user_cache_in_redis(system: SystemUnderTest) -> None:
    keys = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", f"{system.name}:users:*"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    for chunk in range(0, len(keys), 500):
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "del", *keys[chunk : chunk + 500]],
                       check=True, capture_output=True)


def run_strategy(system: SystemUnderTest, strategy: str, profile: AffinityProfile,
                 tokens_file: Path, sequence_file: Path) -> dict:
    names = [f"affinity_users_{i}" for i in range(1, INSTANCES + 1)]
    _clear_user_cache_in_redis(system)
    for name in names:
        system.start_affinity_users(name)
    system.start_affinity_gateway([system.url(name) for name in names], strategy)
    try:
        before = {name: scrape(system.url(name, "/metrics")) for name in names}
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [
                    str(system.binaries / "loadgen"),
                    "--url", system.url("affinity_gateway", ROUTE),
                    "--connections", str(profile.connections),
                    "--rate", f"{profile.rate:g}",
                    "--duration", f"{profile.duration_s:g}",
                    "--tokens", str(tokens_file),
                    "--token-sequence", str(sequence_file),
                    "--out", out.name,
                ],
                check=True,
            )
            loadgen = json.loads(Path(out.name).read_text())
        # The last answers' counters are recorded as the response leaves.
        time.sleep(0.5)
        after = {name: scrape(system.url(name, "/metrics")) for name in names}
    finally:
        for name in [*names, "affinity_gateway"]:
            system.processes.pop(name).stop()

    instances = {name: _difference(after[name], before[name]) for name in names}
    total = {key: sum(instance[key] for instance in instances.values())
             for key in next(iter(instances.values()))}
    served = max(total["requests"], 1)
    local_lookups = total["local_hits"] + total["local_misses"]
    return {
        "strategy": strategy,
        "loadgen": loadgen,
        "instances": {
            name: {
                **counts,
                "share": round(counts["requests"] / served, 4),
                "local_hit_ratio": _ratio(counts["local_hits"],
                                          counts["local_hits"] + counts["local_misses"]),
            }
            for name, counts in instances.items()
        },
        "total": total,
        # hits / (hits + misses) of the local layer, over the three instances.
        "local_hit_ratio": _ratio(total["local_hits"], local_lookups),
        # Each request looks its caller up twice (the token check, then the
        # handler), and the second is a local hit by construction: the first
        # lookup's ratio is 1 - misses per request.
        "lookups_per_request": _ratio(local_lookups, total["requests"]),
        "first_lookup_hit_ratio": _ratio(total["requests"] - total["local_misses"], total["requests"]),
        "redis_hits": total["redis_hits"],
        "postgres_reads": total["redis_misses"],
        "failed": loadgen["errors"] + loadgen["transport_errors"] + total["failed"],
        "not_sent": loadgen["not_sent"],
    }


# ---- the measurement ---------------------------------------------------------------


def measure(system: SystemUnderTest, seed_email: str, profile_name: str) -> dict:
    profile = AFFINITY[profile_name]
    print(f"affinity: seeding {profile.users} users and logging each in", flush=True)
    emails = seed_users(system, seed_email, profile.users)
    tokens, login_s = log_in_all(system, emails)
    tokens_file = system.run_dir / "affinity-tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    sequence = caller_sequence(profile)
    sequence_file = system.run_dir / "affinity-sequence.txt"
    sequence_file.write_text(" ".join(map(str, sequence)) + "\n")
    runs = {}
    for strategy in STRATEGIES:
        print(f"affinity: {profile.rate:g}/s for {profile.duration_s:g} s, {strategy}", flush=True)
        runs[strategy] = run_strategy(system, strategy, profile, tokens_file, sequence_file)
    p2c, ch = (runs[strategy]["local_hit_ratio"] for strategy in STRATEGIES)
    p2c_first, ch_first = (runs[strategy]["first_lookup_hit_ratio"] for strategy in STRATEGIES)
    hot = max(sequence.count(0), 1)
    return {
        "assumptions": {
            **asdict(profile),
            "profile": profile_name,
            "instances": INSTANCES,
            "route": f"GET {ROUTE} through the gateway's edge route (token verified there)",
            "local_ttl_ms": int(system.service_env.get("CAPSTONE_USERS__CACHE__LOCAL_TTL_MS", 5000)),
            "local_max_entries": int(system.service_env.get(
                "CAPSTONE_USERS__CACHE__LOCAL_MAX_ENTRIES", 10000)),
            "hash_balance_factor": 1.25,
            "requests_scheduled": len(sequence),
            "distinct_callers_in_sequence": len(set(sequence)),
            "hottest_caller_share": round(hot / len(sequence), 4),
            "login_seconds": login_s,
        },
        "runs": runs,
        "ch_over_p2c": _ratio(ch, p2c) if p2c and ch else None,
        "ch_over_p2c_first_lookup": _ratio(ch_first, p2c_first) if p2c_first and ch_first else None,
    }


def failures(affinity: dict) -> list[str]:
    """What fails the run: a failed request, or an instance with no traffic."""
    found = []
    for strategy, run in affinity["runs"].items():
        if run["failed"]:
            found.append(f"affinity ({strategy}): {run['failed']} requests failed "
                         f"({run['loadgen']['status_errors']}, transport "
                         f"{run['loadgen']['transport_errors']})")
        for name, instance in run["instances"].items():
            if instance["requests"] == 0:
                found.append(f"affinity ({strategy}): {name} got no requests")
    return found


def markdown(affinity: dict) -> list[str]:
    a = affinity["assumptions"]
    lines = [
        "",
        "### Routing affinity: in-process cache hit ratio, three users instances",
        "",
        f"Assumptions: {a['users']} users, each with their own access token; callers drawn "
        f"Zipf (exponent {a['zipf_exponent']:g}, seed {a['seed']}: the hottest makes "
        f"{a['hottest_caller_share']:.1%} of the requests, {a['distinct_callers_in_sequence']} "
        f"appear); {a['route']}; open loop at {a['rate']:g}/s for {a['duration_s']:g} s per "
        f"strategy ({a['requests_scheduled']} requests, the same callers in the same order), "
        f"{a['connections']} connections; {a['instances']} users instances, local cache TTL "
        f"{a['local_ttl_ms']} ms, at most {a['local_max_entries']} entries each; consistent "
        f"hashing's balance factor {a['hash_balance_factor']:g} (the default). Each strategy "
        "starts with fresh instances and the users' Redis keys deleted. Counters are the "
        "difference of each instance's /metrics before and after.",
        "",
        "| strategy | requests | failed | local hit ratio (all lookups) | first-lookup hit ratio "
        "| Redis hits | Postgres reads | share per instance | hit ratio per instance |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for strategy, run in affinity["runs"].items():
        instances = run["instances"].values()
        shares = " / ".join(f"{i['share']:.1%}" for i in instances)
        ratios = " / ".join(f"{i['local_hit_ratio']:.1%}" if i["local_hit_ratio"] is not None
                            else "-" for i in instances)
        pct = lambda value: f"{value:.1%}" if value is not None else "-"
        lines.append(
            f"| {strategy} | {run['total']['requests']} | {run['failed']} "
            f"| {pct(run['local_hit_ratio'])} | {pct(run['first_lookup_hit_ratio'])} "
            f"| {run['redis_hits']} | {run['postgres_reads']} | {shares} | {ratios} |"
        )
    lines += [
        "",
        f"Consistent hashing / power of two choices, local hit ratio: "
        f"{affinity['ch_over_p2c']} (all lookups), {affinity['ch_over_p2c_first_lookup']} "
        "(first lookup). Every request looks its caller up twice (the token check, then the "
        "handler); the second is a local hit by construction, so the first-lookup ratio "
        "(1 - local misses per request) is the one that shows what routing changes.",
    ]
    return lines
