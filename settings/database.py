"""One way to open the project's database, whichever backend `DATABASE_URL` names."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

from settings import load_settings


def _postgres_connect_args(timeout_seconds: int, given: dict[str, Any]) -> dict[str, Any]:
    """libpq connection arguments: bounded waits for a connection, for a lock and for a statement.

    The timeouts go in the startup `options`, so they hold from the first statement of every pooled
    connection without an extra round trip; `options` already given (e.g. Rasa's search_path) is kept."""
    milliseconds = timeout_seconds * 1000
    args = dict(given)
    options = f"-c lock_timeout={milliseconds} -c statement_timeout={milliseconds}"
    args["options"] = f"{args['options']} {options}" if args.get("options") else options
    args.setdefault("connect_timeout", timeout_seconds)
    return args


# PostgreSQL's own messages can quote values: "DETAIL:  Key (email)=(...) already exists", "Failing row
# contains (...)", 'invalid input syntax for type integer: "..."'. Only the first line is kept, without
# a quoted input value; the constraint or column it names is what a developer needs.
_QUOTED_INPUT = re.compile(r'^((?:ERROR:\s+)?invalid input .*?): ".*"$', re.DOTALL)


def _without_values(message: str) -> str:
    first = message.strip().split("\n", 1)[0].strip()
    return _QUOTED_INPUT.sub(r"\1: (value hidden)", first)


def _hide_values_in_errors(engine: Engine) -> None:
    """Rewrite the driver's error message before SQLAlchemy shows it (in the exception's text, its
    chained cause and every traceback logged from it): `hide_parameters` covers the bound parameters,
    not what the database server itself quotes."""
    @event.listens_for(engine, "handle_error")
    def _strip(context) -> None:  # noqa: ANN001 - SQLAlchemy's ExceptionContext
        original = context.original_exception
        if original is None or not original.args or not isinstance(original.args[0], str):
            return
        original.args = (_without_values(original.args[0]), *original.args[1:])
        wrapped = context.sqlalchemy_exception  # its message was built from the driver's before this hook
        if wrapped is not None and wrapped.args:
            kind = type(original)
            wrapped.args = (f"({kind.__module__}.{kind.__name__}) {original.args[0]}", *wrapped.args[1:])


def make_engine(database_url: str | URL | None = None, *, timeout_seconds: int | None = None,
                **engine_kwargs: Any) -> Engine:
    """Create an engine for `database_url` (default: the configured `DATABASE_URL`).

    Every engine hides bound parameters from exception messages and logs (`hide_parameters`): a failed
    write would otherwise print the patient's name, email and diagnosis into the log files. Waits are
    bounded by `timeout_seconds` (default `DATABASE_TIMEOUT_SECONDS`), so a write fails with an error
    instead of hanging past the widget's 30 s: SQLite's busy timeout; PostgreSQL's connect, lock and
    statement timeouts. `engine_kwargs` go to `create_engine` (the tracker store passes Rasa's pool sizes).

    SQLite gets its folder created and a write-ahead log, because the action server, Rasa's tracker
    store and the console write to the same file from separate processes.
    """
    settings = load_settings()
    url = make_url(database_url or settings.database_url)
    timeout = timeout_seconds if timeout_seconds is not None else settings.database_timeout_seconds
    connect_args = dict(engine_kwargs.pop("connect_args", None) or {})
    engine_kwargs.setdefault("future", True)
    engine_kwargs["hide_parameters"] = True
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args["timeout"] = timeout
        engine = create_engine(url, connect_args=connect_args, **engine_kwargs)
        _hide_values_in_errors(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if backend == "postgresql" and url.get_driver_name() in ("psycopg2", "psycopg"):
        connect_args = _postgres_connect_args(timeout, connect_args)
    engine_kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, connect_args=connect_args, **engine_kwargs)
    _hide_values_in_errors(engine)
    return engine


@lru_cache(maxsize=8)
def shared_engine(database_url: str | None = None) -> Engine:
    """A process-wide engine per URL, so hot paths (actions, console pages) reuse one pool."""
    return make_engine(database_url)
