"""The sign-in throttle: failed sign-ins counted per (account, client address) in the database, and a
per-address rate limit on the sign-in form (Flask-Limiter).

Counting per account *and* address means one attacker (or one office behind a proxy) cannot lock every
coordinator out, and a coordinator signing in from elsewhere is not locked by someone else's guesses.
The count lives in the project's database, so restarting the console does not reset it, and every
console process sees the same count. The typed name is stored only as a hash (people type passwords
into the username field) and a failure is forgotten after LOGIN_FAILURE_WINDOW.

The rate limit is the second line: it bounds how many names one address can try (password spraying),
which the per-account count alone does not.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import Column, Index, Integer, String, Table, delete, func, select
from sqlalchemy.orm import Session

from referrals.models import UTCDateTime, metadata, utcnow

LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
# Per client address, over every account: room for an office of coordinators behind one address
# signing in at nine o'clock, not for trying thousands of names.
LOGIN_RATE_LIMIT = "20 per minute; 200 per hour"
LIMITER_KEY_PREFIX = "carebot:console:limits"

sign_in_failures = Table(
    "console_sign_in_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("account_key", String(64), nullable=False),  # sha256 of the typed username, see account_key()
    Column("client", String(64), nullable=False),       # the client address (after ProxyFix)
    Column("failed_at", UTCDateTime, nullable=False, index=True),
    Index("ix_console_sign_in_failures_account_client", "account_key", "client", "failed_at"),
)


def account_key(username: str) -> str:
    """The stored form of a typed username: a hash, the same for an account and for a name that is
    none (so the throttle's behaviour does not tell which names exist)."""
    return hashlib.sha256(f"console-sign-in:{username.strip().lower()}".encode()).hexdigest()


def _where(username: str, client: str):  # noqa: ANN202 - a SQLAlchemy clause
    return (sign_in_failures.c.account_key == account_key(username)) & (sign_in_failures.c.client == client[:64])


def recent_failures(database: Session, username: str, client: str, *, now: datetime | None = None) -> int:
    """Failed sign-ins as `username` from `client` within the last LOGIN_FAILURE_WINDOW."""
    since = (now or utcnow()) - LOGIN_FAILURE_WINDOW
    return database.execute(select(func.count()).select_from(sign_in_failures).where(
        _where(username, client), sign_in_failures.c.failed_at > since)).scalar_one()


def is_locked(database: Session, username: str, client: str, *, now: datetime | None = None) -> bool:
    """Whether sign-ins as `username` from `client` are refused for now (too many recent failures)."""
    return recent_failures(database, username, client, now=now) >= LOGIN_FAILURE_LIMIT


def record_failure(database: Session, username: str, client: str, *, now: datetime | None = None) -> int:
    """Count a failed sign-in as `username` from `client`; forget failures older than the window (of
    every account). Commits. Returns the recent failures, this one included."""
    now = now or utcnow()
    database.execute(delete(sign_in_failures).where(sign_in_failures.c.failed_at <= now - LOGIN_FAILURE_WINDOW))
    database.execute(sign_in_failures.insert().values(account_key=account_key(username), client=client[:64],
                                                      failed_at=now))
    database.commit()
    return recent_failures(database, username, client, now=now)


def clear_failures(database: Session, username: str, client: str) -> None:
    """Forget the failures of `username` from `client` after a successful sign-in. Commits."""
    database.execute(delete(sign_in_failures).where(_where(username, client)))
    database.commit()


def init_rate_limit(app: Flask, *, redis_url: str = "") -> Limiter:
    """Flask-Limiter on `app`, keyed on the client address (`request.remote_addr`, which ProxyFix sets
    from X-Forwarded-For when proxies are trusted); counts in Redis when `redis_url` is set (shared by
    every console process), else in this process's memory. Limits are declared on the routes."""
    return Limiter(app, key_func=get_remote_address, storage_uri=redis_url or "memory://",
                   key_prefix=LIMITER_KEY_PREFIX, headers_enabled=True)
