"""What the harness measures: the scenarios, and how long each runs.

A scenario is one kind of request sent to one process. Scenarios in the same
*group* are peers: they answer the same question along different paths (the
cached read direct, through nginx, through the gateway), so their open-loop
rates are the same: fractions of the slowest peer's maximum, and one line per
peer on the same plot. A *baseline* is in a group for comparison only (the
bare handler): it does not set the rates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


# ANCHOR: scenario
@dataclass(frozen=True)
class Scenario:
    key: str  # stable id in results.json
    title: str  # the row in the table
    group: str
    target: str  # the process the requests go to (see system.py)
    path: str  # `{id}`: the seeded user's id; `{n}`: unique per request (loadgen)
    method: str = "GET"
    body: str | None = None
    # Which users instance's access token to send (None: no token).
    token_from: str | None = "users"
    # Whose CPU and memory the row reports: every process on the path.
    processes: tuple[str, ...] = ()
    baseline: bool = False
    # Requests that announce events: no warm-up (every acknowledged request
    # must be counted against the audit trail) and a pipeline report.
    writes_events: bool = False
    # (process, MiB): the run fails if that process's peak RSS during any
    # run of this scenario exceeds the bound (see USERS_PEAK_RSS_MIB).
    rss_limits_mib: tuple[tuple[str, float], ...] = ()
# ANCHOR_END: scenario


# ANCHOR: memory_bound
# The users service's peak RSS while 32 clients register or log in at once,
# gated in every run (issue 18). argon2id holds `memory_kib` (19 MiB) per
# hash, and the hasher allows one hash per core (available_parallelism,
# the same CPU set Python sees here), each reusing its permit's buffer. So
# the bound grows with the cores: 64 MiB for the rest of the process, 32 MiB
# per core (the buffer, its blocking thread, allocator arenas). On the
# 2-core machine that is 128 MiB, half of compose's 256 MiB limit, against
# a measured peak of 65 MiB (25 idle); a lost bound (a buffer per request:
# 32 x 19 MiB) crosses it at once.
USERS_PEAK_RSS_MIB = 64.0 + 32.0 * len(os.sched_getaffinity(0))
# ANCHOR_END: memory_bound


CACHED_READ = "cached read"

SCENARIOS = [
    Scenario(
        "ceiling",
        "bare actix-web handler, same JSON (the ceiling)",
        CACHED_READ,
        "bare",
        "/api/v1/users/{id}",
        processes=("bare",),
        baseline=True,
    ),
    Scenario(
        "direct",
        "users service direct",
        CACHED_READ,
        "users",
        "/api/v1/users/{id}",
        processes=("users",),
    ),
    Scenario(
        "nginx",
        "nginx proxy_pass (keepalive) to users",
        CACHED_READ,
        "nginx",
        "/api/v1/users/{id}",
        processes=("nginx", "users"),
    ),
    Scenario(
        "gateway_plain",
        "gateway, plain route (no edge auth, no limit)",
        CACHED_READ,
        "gateway",
        "/plain/v1/users/{id}",
        processes=("gateway", "users"),
    ),
    Scenario(
        "gateway_edge",
        "gateway, full edge (JWT + GCRA in Redis)",
        CACHED_READ,
        "gateway",
        "/api/v1/users/{id}",
        processes=("gateway", "users"),
    ),
    Scenario(
        "uncached",
        "users service, caches off (Postgres every read)",
        "uncached read",
        "uncached",
        "/api/v1/users/{id}",
        token_from="uncached",
        processes=("uncached",),
    ),
    Scenario(
        "login",
        "login (argon2id verify)",
        "login",
        "users",
        "/api/v1/auth/login",
        method="POST",
        body='{"email": "@EMAIL@", "password": "@PASSWORD@"}',
        token_from=None,
        processes=("users",),
        rss_limits_mib=(("users", USERS_PEAK_RSS_MIB),),
    ),
    Scenario(
        "register",
        "register (argon2id hash, unique addresses)",
        "register",
        "users",
        "/api/v1/auth/register",
        method="POST",
        body='{"email": "@RUN@-{n}@load.example.com", "password": "@PASSWORD@", '
        '"display_name": "Load {n}"}',
        token_from=None,
        processes=("users", "worker"),
        writes_events=True,
        rss_limits_mib=(("users", USERS_PEAK_RSS_MIB),),
    ),
    Scenario(
        "patch",
        "PATCH own display name (write + event)",
        "patch",
        "users",
        "/api/v1/users/{id}",
        method="PATCH",
        body='{"display_name": "Load {n}"}',
        processes=("users", "worker"),
        writes_events=True,
    ),
]


@dataclass(frozen=True)
class Profile:
    name: str
    duration_s: float  # each measured run
    warmup_s: float  # sent, not recorded (not for scenarios that write events)
    rounds: int  # closed-loop repetitions; the median by throughput is reported
    connections: int
    open_fractions: tuple[float, ...]  # open-loop rates, of the slowest peer's maximum
    bench_argon2: bool  # run the criterion bench for the hashes/s comparison


FULL = Profile("full", 10, 2, 3, 32, (0.25, 0.5, 0.75), bench_argon2=True)
# Two builds compared (`--binaries`): enough rounds for a median, one rate.
QUICK = Profile("quick", 5, 1, 3, 32, (0.5,), bench_argon2=False)
# The plumbing only: every scenario and mode, too short for figures.
SMOKE = Profile("smoke", 1, 0, 1, 8, (0.5,), bench_argon2=False)
