"""The sign-in throttle, in process (Flask's test client): failures counted per account and client
address in the database, the real address taken from X-Forwarded-For only behind trusted proxies, and
Flask-Limiter's per-address limit on the sign-in form."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import referrals
from console.app import create_app
from console.sign_in_attempts import LOGIN_FAILURE_LIMIT, sign_in_failures
from settings.database import shared_engine

from conftest import ANNA_PASSWORD, BEN_PASSWORD, SECRET_KEY, csrf_token  # tests/console/conftest.py

WRONG = "not the password at all"
ADDRESS_A, ADDRESS_B, PROXY = "198.51.100.7", "203.0.113.9", "10.0.0.2"


def console_app(database_url: str, tmp_path: Path, trusted_proxies: int = 0) -> Flask:
    """A console over `database_url` (no Redis, sessions under `tmp_path`), as `serve` builds it."""
    return create_app(database_url, secret_key=SECRET_KEY, session_minutes=5, session_dir=tmp_path / "sessions",
                      redis_url="", trusted_proxies=trusted_proxies)


@pytest.fixture()
def accounts(database_url: str) -> str:
    """`database_url` with the schema and the accounts anna and ben."""
    referrals.create_schema(shared_engine(database_url))  # the console's tables too: same MetaData, imported
    with Session(shared_engine(database_url), future=True) as session:
        referrals.create_coordinator(session, "anna", ANNA_PASSWORD, "Anna Kim")
        referrals.create_coordinator(session, "ben", BEN_PASSWORD, "Ben Park")
    return database_url


def sign_in(client: FlaskClient, username: str, password: str, *, address: str = ADDRESS_A,
            forwarded_for: str | None = None) -> int:
    """One sign-in from `address` (the socket's), optionally through a proxy that says `forwarded_for`.
    Returns the status: 303 signed in, 401 wrong password, 429 refused."""
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    page = client.get("/login", environ_base=environ, headers=headers)
    response = client.post("/login", data={"csrf_token": csrf_token(page.text), "username": username,
                                           "password": password}, environ_base=environ, headers=headers)
    if response.status_code == 303:
        client.delete_cookie("carebot_console")  # the next attempt starts signed out
    return response.status_code


def audit(database_url: str) -> list[tuple[str, str, str | None]]:
    with Session(shared_engine(database_url), future=True) as session:
        return [(e.actor, e.action, e.details) for e in reversed(referrals.audit_entries(session))]


def fail_until_locked(client: FlaskClient, username: str = "anna", **where: str) -> None:
    for attempt in range(LOGIN_FAILURE_LIMIT):
        assert sign_in(client, username, WRONG, **where) == 401, attempt
    assert sign_in(client, username, ANNA_PASSWORD if username == "anna" else WRONG, **where) == 429


def test_failures_lock_one_account_from_one_address_only(accounts, tmp_path):
    app = console_app(accounts, tmp_path)
    client = app.test_client()
    fail_until_locked(client, "anna", address=ADDRESS_A)
    assert sign_in(client, "anna", ANNA_PASSWORD, address=ADDRESS_B) == 303  # the coordinator elsewhere
    assert sign_in(client, "ben", BEN_PASSWORD, address=ADDRESS_A) == 303    # a colleague in the same office
    assert sign_in(client, "anna", ANNA_PASSWORD, address=ADDRESS_A) == 429  # still locked there

    rows = audit(accounts)
    assert [row for row in rows if row[:2] == ("anna", "sign_in_failed")] == [("anna", "sign_in_failed", None)] * 10
    locked = [row for row in rows if row[1] == "sign_in_locked"]
    assert len(locked) == 1 and locked[0][0] == "anna" and "10 failed sign-ins" in locked[0][2]
    assert not any(WRONG in str(row) or ANNA_PASSWORD in str(row) or ADDRESS_A in str(row) for row in rows)


def test_a_name_that_is_no_account_is_throttled_the_same_and_never_stored(accounts, tmp_path):
    client = console_app(accounts, tmp_path).test_client()
    typed = "my secret password typed as a name"
    for _attempt in range(LOGIN_FAILURE_LIMIT):
        assert sign_in(client, typed, WRONG) == 401
    assert sign_in(client, typed, WRONG) == 429
    assert ("unknown-user", "sign_in_locked") in [row[:2] for row in audit(accounts)]
    with shared_engine(accounts).connect() as connection:
        stored = [tuple(row) for row in connection.execute(sign_in_failures.select())]
    assert len(stored) == LOGIN_FAILURE_LIMIT and not any(typed in str(row) for row in stored)


def test_the_count_survives_a_restart(accounts, tmp_path):
    first = console_app(accounts, tmp_path).test_client()
    for _attempt in range(LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(first, "anna", WRONG) == 401
    restarted = console_app(accounts, tmp_path).test_client()  # a new process would build the same app
    assert sign_in(restarted, "anna", WRONG) == 401
    assert sign_in(restarted, "anna", ANNA_PASSWORD) == 429


def test_a_successful_sign_in_clears_the_count(accounts, tmp_path):
    client = console_app(accounts, tmp_path).test_client()
    for _attempt in range(LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, "anna", WRONG) == 401
    assert sign_in(client, "anna", ANNA_PASSWORD) == 303
    assert sign_in(client, "anna", WRONG) == 401  # the tenth since the start, the first since the sign-in
    assert sign_in(client, "anna", ANNA_PASSWORD) == 303


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_key(accounts, tmp_path):
    client = console_app(accounts, tmp_path, trusted_proxies=1).test_client()
    fail_until_locked(client, "anna", address=PROXY, forwarded_for=ADDRESS_A)
    # the same proxy, another client behind it: not locked
    assert sign_in(client, "anna", ANNA_PASSWORD, address=PROXY, forwarded_for=ADDRESS_B) == 303
    # only the nearest proxy's entry is believed: an address the client put in front changes nothing
    assert sign_in(client, "anna", ANNA_PASSWORD, address=PROXY, forwarded_for=f"{ADDRESS_B}, {ADDRESS_A}") == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(accounts, tmp_path):
    client = console_app(accounts, tmp_path, trusted_proxies=0).test_client()
    for attempt in range(LOGIN_FAILURE_LIMIT):  # a client that makes up a new address each time
        assert sign_in(client, "anna", WRONG, address=ADDRESS_A, forwarded_for=f"192.0.2.{attempt}") == 401
    assert sign_in(client, "anna", ANNA_PASSWORD, address=ADDRESS_A, forwarded_for="192.0.2.200") == 429
    assert sign_in(client, "anna", ANNA_PASSWORD, address=ADDRESS_B, forwarded_for=ADDRESS_A) == 303


def test_one_address_may_try_only_so_many_names(accounts, tmp_path):
    """Flask-Limiter's per-address limit: password spraying over many names from one address stops."""
    client = console_app(accounts, tmp_path).test_client()
    statuses = [sign_in(client, f"name{number}", WRONG) for number in range(21)]
    assert statuses == [401] * 20 + [429]
    page = client.get("/login", environ_base={"REMOTE_ADDR": ADDRESS_A})
    assert page.status_code == 200  # only POSTs count
    refused = client.post("/login", data={"csrf_token": csrf_token(page.text), "username": "anna",
                                          "password": ANNA_PASSWORD}, environ_base={"REMOTE_ADDR": ADDRESS_A})
    assert refused.status_code == 429 and "Too many sign-in attempts" in refused.text
    assert sign_in(client, "anna", ANNA_PASSWORD, address=ADDRESS_B) == 303
