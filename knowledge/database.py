"""Opening the knowledge store: sessions on the project's database, and a check that it was built."""
from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.models import KNOWLEDGE_METADATA
from settings.database import shared_engine


class StoreNotBuiltError(RuntimeError):
    """The database has no knowledge tables yet: run `python -m knowledge build`."""


# Databases already seen with a built store: the tables do not go away, so hot paths (an action per
# message) skip the catalog query after the first success.
_seen_built: set[str] = set()


def store_is_built(engine: Engine) -> bool:
    """Whether every `kb_` table exists in the database behind `engine`."""
    existing = set(inspect(engine).get_table_names())
    return set(KNOWLEDGE_METADATA.tables) <= existing


def open_session(database_url: str | None = None, *, check_built: bool = True) -> Session:
    """A new `Session` on the knowledge store (default: the configured `DATABASE_URL`).

    The caller closes it (`with open_session() as session: ...`). With `check_built`, raise
    `StoreNotBuiltError` instead of failing later with a missing-table error.
    """
    engine = shared_engine(database_url)
    key = str(engine.url)
    if check_built and key not in _seen_built:
        if not store_is_built(engine):
            raise StoreNotBuiltError(
                "The knowledge store has not been built in this database: run `python -m knowledge build`."
            )
        _seen_built.add(key)
    return Session(engine, future=True)
