"""The console's server-side sessions (Flask-Session) and the list of sessions that were ended.

The browser holds only a random session id; the session's contents live in Redis when `REDIS_URL` is
set (shared by every console process) and otherwise in files under `var/console-sessions/` (cachelib's
FileSystemCache: no server needed, and it survives a restart of the console). Flask-Session's SQLAlchemy
backend was not used: it needs Flask-SQLAlchemy, whose releases for SQLAlchemy 1.4 (pinned by Rasa) are
no longer maintained, and a second engine and pool beside the project's own.

Ending a session deletes it from the store and records its id (hashed) in `console_ended_sessions`.
The record closes a race the store alone leaves open: a request that read the session just before the
sign-out writes it back just after (every request refreshes the session), and the copied cookie would
work again. A session id found in the record is never accepted again.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

from cachelib.file import FileSystemCache
from flask import Flask
from flask_session import Session as FlaskSession
from sqlalchemy import Column, String, Table, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referrals.models import UTCDateTime, metadata, utcnow
from settings import PROJECT_ROOT

DEFAULT_SESSION_DIR = PROJECT_ROOT / "var" / "console-sessions"
SESSION_KEY_PREFIX = "carebot:console:session:"
# Past this many session files the store drops the expired ones, then those closest to expiring (the
# least recently used). Far above the sessions a team of coordinators has open; the signed-out visitors
# of the sign-in page (each holds a CSRF token) are what it bounds.
SESSION_FILE_LIMIT = 5000

ended_sessions = Table(
    "console_ended_sessions", metadata,
    Column("session_hash", String(64), primary_key=True),  # sha256 of the id: never a usable session id
    Column("ended_at", UTCDateTime, nullable=False, index=True),
)


def init_sessions(app: Flask, *, redis_url: str = "", session_dir: Path | str | None = None) -> None:
    """Install Flask-Session on `app`: Redis at `redis_url` when given, else files in `session_dir`
    (default `var/console-sessions/`). Call after `PERMANENT_SESSION_LIFETIME` is configured."""
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    app.config.update(SESSION_PERMANENT=True, SESSION_KEY_PREFIX=SESSION_KEY_PREFIX, SESSION_USE_SIGNER=False)
    if redis_url:
        import redis  # noqa: PLC0415 - only with REDIS_URL

        client = redis.Redis.from_url(redis_url)
        try:  # fail at start-up with a clear message rather than on every request
            client.ping()
        except redis.RedisError as error:  # the URL may hold a password: not repeated here
            raise RuntimeError(f"REDIS_URL is set but Redis does not answer ({error.__class__.__name__}); "
                               "fix it, or leave REDIS_URL empty to keep sessions in files") from error
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=client)
    else:
        directory = Path(session_dir or DEFAULT_SESSION_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)  # the files hold CSRF tokens and who is signed in: this account only
        app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=FileSystemCache(
            str(directory), threshold=SESSION_FILE_LIMIT, default_timeout=lifetime, mode=0o600))
    FlaskSession(app)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def record_ended(database: Session, session_id: str, keep_for: timedelta, *, now: datetime | None = None) -> None:
    """Remember that the session `session_id` ended, for `keep_for` (after which the store has dropped
    any copy written back by a late request), and forget records older than that. Commits."""
    now = now or utcnow()
    database.execute(delete(ended_sessions).where(ended_sessions.c.ended_at < now - keep_for))
    database.commit()
    try:
        database.execute(ended_sessions.insert().values(session_hash=_hash(session_id), ended_at=now))
        database.commit()
    except IntegrityError:  # ended twice at once (two sign-out clicks): once is enough
        database.rollback()


def has_ended(database: Session, session_id: str) -> bool:
    """Whether the session `session_id` was ended (signed out, timed out) and must not be used again."""
    return database.execute(select(ended_sessions.c.session_hash).where(
        ended_sessions.c.session_hash == _hash(session_id))).first() is not None
