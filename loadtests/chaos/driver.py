"""The clients: a steady stream of changes through the API while faults land.

Each client owns a few accounts and, in turn, changes one account's display
name (`PATCH /api/v1/users/{id}`, one `user.updated` event each); every
twentieth operation registers a new account instead (`user.registered`: an
audit row and a welcome email). A change counts as **acknowledged** only
when the service answered 2xx: that is the promise the suite then checks
the rest of the system keeps. Anything else (a refused connection while the
service is down, a 503) is counted by kind and at what time, and the client
goes on; a 401 after the service restarted means a new signing key, so the
client logs in again.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

PASSWORD = "correct horse battery staple"
REGISTER_EVERY = 20


@dataclass
class Ledger:
    """What the clients saw, shared by every client thread."""

    acknowledged: Counter = field(default_factory=Counter)  # operation -> count
    acknowledged_per_user: Counter = field(default_factory=Counter)  # user id -> PATCHes
    failures: list[tuple[float, str]] = field(default_factory=list)  # (time, kind)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total(self) -> int:
        with self.lock:
            return sum(self.acknowledged.values())


class Api:
    """One keep-alive connection to the users service, reopened when it drops."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            data = json.dumps(body) if body is not None else None
            self.connection.request(method, path, data, headers)
            answer = self.connection.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        return answer.status, (json.loads(payload) if payload else {})


class Client(threading.Thread):
    def __init__(self, number: int, port: int, accounts: int, rate: float, ledger: Ledger,
                 stop: threading.Event):
        super().__init__(daemon=True, name=f"client-{number}")
        self.number = number
        self.api = Api(port)
        self.interval = 1.0 / rate
        self.ledger = ledger
        self.stop_event = stop
        self.accounts = [f"chaos-{number}-{i}-{uuid.uuid4().hex[:8]}@example.com"
                         for i in range(accounts)]
        self.tokens: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}
        self.sequence = 0

    def prepare(self) -> None:
        """Registers the client's accounts before the clock starts."""
        for email in self.accounts:
            status, _ = self.api.call("POST", "/api/v1/auth/register",
                                      {"email": email, "password": PASSWORD,
                                       "display_name": "Chaos"})
            if not 200 <= status < 300:
                raise RuntimeError(f"registering {email}: HTTP {status}")
            self._login(email)

    def _login(self, email: str) -> None:
        status, body = self.api.call("POST", "/api/v1/auth/login",
                                     {"email": email, "password": PASSWORD})
        if status != 200:
            raise LoginFailed(status)
        self.tokens[email] = body["access_token"]
        status, me = self.api.call("GET", "/api/v1/users/me", None, self.tokens[email])
        if status != 200:
            raise LoginFailed(status)
        self.user_ids[email] = me["id"]

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            next_at += self.interval
            self.sequence += 1
            try:
                self._one_operation()
            except LoginFailed as failure:
                self._failed(f"login HTTP {failure.status}")
            except (OSError, http.client.HTTPException) as error:
                self._failed(type(error).__name__)
            pause = next_at - time.monotonic()
            if pause > 0:
                self.stop_event.wait(pause)
            else:
                next_at = time.monotonic()  # behind (an outage): do not burst

    def _one_operation(self) -> None:
        if self.sequence % REGISTER_EVERY == 0:
            email = f"chaos-new-{uuid.uuid4().hex}@example.com"
            status, _ = self.api.call("POST", "/api/v1/auth/register",
                                      {"email": email, "password": PASSWORD,
                                       "display_name": "Chaos"})
            self._settle("register", status, None)
            return
        email = self.accounts[self.sequence % len(self.accounts)]
        if email not in self.tokens:
            self._login(email)
        body = {"display_name": f"Chaos {self.number}.{self.sequence}"}
        path = f"/api/v1/users/{self.user_ids[email]}"
        status, _ = self.api.call("PATCH", path, body, self.tokens[email])
        if status == 401:
            del self.tokens[email]  # a restart: a new signing key
        self._settle("patch", status, self.user_ids[email])

    def _settle(self, operation: str, status: int, user_id: str | None) -> None:
        if 200 <= status < 300:
            with self.ledger.lock:
                self.ledger.acknowledged[operation] += 1
                if user_id:
                    self.ledger.acknowledged_per_user[user_id] += 1
        else:
            self._failed(f"{operation} HTTP {status}")

    def _failed(self, kind: str) -> None:
        with self.ledger.lock:
            self.ledger.failures.append((time.monotonic(), kind))


class LoginFailed(Exception):
    def __init__(self, status: int):
        super().__init__(f"login HTTP {status}")
        self.status = status
