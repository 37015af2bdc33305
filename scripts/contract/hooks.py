"""schemathesis hooks for scripts/contract-tests.sh: who the requests are.

Each run acts as one account, a plain user or an admin, made the way the
README says: a user registers through the API, an admin comes from
`capstone seed --admin EMAIL`, and both log in through the API. The access
token goes on every request as `Authorization: Bearer ...`.

Why a provider and not a fixed `-H "Authorization: ..."`: the fuzzer is
allowed to do anything the account may do, and an account may delete
itself (DELETE /api/v1/users/{its id}: schemathesis reuses ids it saw in
earlier responses). A fixed token would then get 401 for the rest of the
run, which would test nothing but the 401. With a provider, schemathesis
asks for a fresh token when a request gets 401 (and replays it once);
this one logs in again, and when the account is gone, makes a new one.
Checks that test auth (ignored_auth) still send no or broken tokens on
purpose: schemathesis leaves those cases alone.

Read from the environment (set by the script):
  CONTRACT_API        base URL to register and log in at (the run's own)
  CONTRACT_ROLE       "user" or "admin"
  CONTRACT_RUN        the run's name, part of each account's email
  CONTRACT_CAPSTONE   the `capstone` binary, for `seed --admin`
The `capstone seed` child inherits the rest (CAPSTONE_CONFIG, DATABASE_URL).
"""

import os
import re
import subprocess
import sys
import uuid

import requests
import schemathesis

API = os.environ["CONTRACT_API"].rstrip("/")
ROLE = os.environ["CONTRACT_ROLE"]
RUN = os.environ["CONTRACT_RUN"]
CAPSTONE = os.environ["CONTRACT_CAPSTONE"]
TIMEOUT_SECS = 10


def _login(email, password):
    """The access token, or None when these credentials no longer log in."""
    response = requests.post(
        f"{API}/api/v1/auth/login",
        json={"email": email, "password": password},
        timeout=TIMEOUT_SECS,
    )
    if response.status_code == 200:
        return response.json()["access_token"]
    # 401: the account was deleted or its password changed; 403: an admin
    # suspended it. Anything else is the system failing, not the account.
    if response.status_code in (401, 403):
        return None
    raise RuntimeError(f"login answered {response.status_code}: {response.text[:300]}")


def _new_user(email):
    password = f"password of {email}"
    response = requests.post(
        f"{API}/api/v1/auth/register",
        json={"email": email, "password": password, "display_name": f"Contract {RUN}"},
        timeout=TIMEOUT_SECS,
    )
    # Any 2xx: the account can log in now (the API answers 202 without
    # saying whether the address was new; a fresh address always is).
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"register answered {response.status_code}: {response.text[:300]}")
    return password


def _new_admin(email):
    # Prints "Created admin EMAIL with password:", a blank line, then the
    # password, indented: the first non-blank line after the first.
    output = subprocess.run(
        [CAPSTONE, "seed", "--admin", email],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "with password:" in line:
            following = [rest.strip() for rest in lines[index + 1 :] if rest.strip()]
            if following:
                return following[0]
    raise RuntimeError(f"`capstone seed --admin {email}` printed no password")


# A token is reused for 5 minutes, then fetched again (access tokens last
# 15), and at once when a request gets 401.
@schemathesis.auth(refresh_interval=300, retry_on=[401])
class ContractAccount:
    def __init__(self):
        self.accounts = 0
        self.credentials = None

    def get(self, case, context):
        if self.credentials is not None:
            token = _login(*self.credentials)
            if token is not None:
                return token
        # No account yet, or it is gone: a new one (one per need, numbered).
        self.accounts += 1
        email = f"contract-{RUN}-{ROLE}-{self.accounts}@example.com"
        password = _new_admin(email) if ROLE == "admin" else _new_user(email)
        self.credentials = (email, password)
        if self.accounts > 1:
            print(f"contract hooks: account {self.accounts - 1} was lost; now {email}", file=sys.stderr)
        token = _login(email, password)
        if token is None:
            raise RuntimeError(f"the new account {email} cannot log in")
        return token

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# Idempotency-Key is a promise between one client and one operation: the
# same key again means "the same request again". The fuzzer draws header
# values from a small pool and sends the same key ("0", say) with other
# bodies, which the API rightly refuses with 422 idempotency-key-reused: a
# client bug no schema can express, as it depends on an earlier request.
# So each valid key the fuzzer generates is made unique per call, as a
# client's would be; invalid keys (empty, too long, not visible ASCII) go
# as generated, for the checks that must see them refused. What a reused
# key does is tested in services/users/tests/api/idempotency.rs.
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and _VALID_KEY.fullmatch(value):
            headers[name] = str(uuid.uuid4())
