"""Does an answer's timing tell whether an address has an account?

For each endpoint that takes an address without a token, sends the same
request for an address that has an account and for one that does not,
interleaved and in alternating order (so drift in the machine's load, and
whatever the first of a pair pays, hits both alike), and prints
the median time of each and their ratio. Used by enumeration.sh, which
starts the system; the figures go into docs/src/security.md.

Usage: python3 scripts/timing/enumeration.py BASE_URL [TRIES]
"""

import json
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE = sys.argv[1].rstrip("/")
TRIES = int(sys.argv[2]) if len(sys.argv) > 2 else 20
PASSWORD = "correct horse battery staple"


def post(path, body):
    """The status and the wall time in ms of one POST."""
    request = urllib.request.Request(
        f"{BASE}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:
        status = error.code
        error.read()
    return status, (time.perf_counter() - started) * 1000


def fresh():
    return f"timing-{uuid.uuid4().hex}@example.com"


def measure(name, path, known_body, unknown_body, expected):
    known, unknown = [], []
    pairs = [(known_body, known), (unknown_body, unknown)]
    for attempt in range(TRIES):
        # Alternate which goes first: whatever the first request of a pair
        # pays (a cold thread, a cache), both sides pay it equally often.
        for bodies, times in pairs if attempt % 2 == 0 else reversed(pairs):
            status, ms = post(path, bodies())
            if status != expected:
                sys.exit(f"{name}: expected {expected}, got {status}")
            times.append(ms)
    k, u = statistics.median(known), statistics.median(unknown)
    print(f"| {name} | {k:.1f} ms | {u:.1f} ms | {k / u:.2f} |")


def main():
    owner = fresh()
    status, _ = post("/api/v1/auth/register",
                     {"email": owner, "password": PASSWORD, "display_name": "Owner"})
    assert status == 202, status
    post("/api/v1/auth/login", {"email": owner, "password": PASSWORD})  # warm up
    print(f"medians of {TRIES} tries each, interleaved\n")
    print("| request | address with an account | address without | ratio |")
    print("|---|---|---|---|")
    measure("login, wrong password", "/api/v1/auth/login",
            lambda: {"email": owner, "password": "a wrong guess"},
            lambda: {"email": fresh(), "password": "a wrong guess"}, 401)
    measure("forgot-password", "/api/v1/auth/forgot-password",
            lambda: {"email": owner}, lambda: {"email": fresh()}, 202)
    measure("register", "/api/v1/auth/register",
            lambda: {"email": owner, "password": PASSWORD, "display_name": "Eve"},
            lambda: {"email": fresh(), "password": PASSWORD, "display_name": "Eve"}, 202)


main()
