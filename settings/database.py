"""One way to open the project's database, whichever backend `DATABASE_URL` names."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from settings import load_settings


def make_engine(database_url: str | None = None) -> Engine:
    """Create an engine for `database_url` (default: the configured `DATABASE_URL`).

    SQLite gets its folder created, a write-ahead log and a busy timeout, because the action server,
    Rasa's tracker store and the console write to the same file from separate processes.
    """
    url = make_url(database_url or load_settings().database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@lru_cache(maxsize=8)
def shared_engine(database_url: str | None = None) -> Engine:
    """A process-wide engine per URL, so hot paths (actions, console pages) reuse one pool."""
    return make_engine(database_url)
