"""Rasa's SQL tracker store, made to keep erased conversations erased.

endpoints.yml:

    tracker_store:
      type: server.tracker_store.ErasureAwareTrackerStore
      url: ${DATABASE_URL}

Why: Rasa's `SQLTrackerStore.save` stores "the tracker's events after the ones already stored", counted
in the table. When a patient deletes their data from inside the same conversation, the action deletes
the stored events while Rasa still holds the whole conversation in memory; the count drops to zero and
Rasa stores everything again right after "Done": the name, email and diagnosis are back.

This store reads the conversation's latest erasure (`referrals.erasures`, written by the erasure in
the same transaction as the deletion) and leaves out every event at or before it, when saving and when
loading: after an erasure the conversation goes on from there, and nothing from before comes back.
The count of stored events is taken over the same window on both sides (events after the erasure),
so new turns are saved exactly once, as Rasa does.

Its engine is the project's (`settings.database.make_engine`): parameters are hidden from error
messages and logs, and waits are bounded by DATABASE_TIMEOUT_SECONDS.

A long conversation is loaded as its last `keep_turns` turns plus a snapshot of its slots and active
form (server/compaction.py), so a turn costs the same at turn 120 as at turn 20; `keep_turns: 0` in the
endpoints file loads every event, as Rasa does.

This overrides three private methods of Rasa 3.6's `SQLTrackerStore` (`_event_query`, `_retrieve`,
`_additional_events`); tests/server/test_tracker_store.py checks them against the pinned Rasa.
"""
from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.orm import Query, Session, sessionmaker
from sqlalchemy.pool import QueuePool

from referrals.erasures import create_erasures_table, latest_erasure
from server import action_response_check, event_types
from server.compaction import DEFAULT_KEEP_TURNS, compacted_events, stored_prefix
from settings.database import make_engine

logger = logging.getLogger(__name__)
# Every Rasa server of the project loads this module (endpoints.yml): the place for the two savings
# issue #14's profile found in Rasa's own per-turn work (server/action_response_check.py,
# server/event_types.py).
action_response_check.install()
event_types.install()


def _after(events: Any, erased_at: float | None) -> list[Event]:
    """The events strictly after the erasure time (all of them when there was no erasure)."""
    if erased_at is None:
        return list(events)
    return [event for event in events if event.timestamp is not None and event.timestamp > erased_at]


def sqlite_engine_kwargs() -> dict[str, Any]:
    """A pool of kept connections for the embedded SQLite file. SQLAlchemy 1.4 opens and closes a
    connection (and runs its pragmas) for every session on a file: under load that was a fifth of the
    Rasa server's time (issue #14's profile). The store runs on Sanic's event loop thread; other threads
    (Rasa's thread pool) may take a pooled connection, hence check_same_thread off, as SQLAlchemy 2.0 does."""
    return {"poolclass": QueuePool, "pool_size": 2, "max_overflow": 8,
            "connect_args": {"check_same_thread": False}}


def _commit_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    """WAL with synchronous=NORMAL, SQLite's recommended pairing: a commit no longer waits for the disk
    (the profile's largest own time under load); the file stays consistent, and a commit can be lost
    only to a power cut or an operating-system crash, never to the process dying. PostgreSQL, for
    production, is untouched."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class ErasureAwareTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that never stores or loads a conversation's events from before its latest
    erasure, on the project's engine."""

    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None,
                 keep_turns: int | str | None = DEFAULT_KEEP_TURNS, **kwargs: Any) -> None:
        # Rasa builds its own engine (and the events table) first; ours replaces it, with the same URL,
        # Rasa's PostgreSQL pool settings and Rasa's (non-future) engine API.
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        url = self.engine.url
        rasa_engine = self.engine
        engine_kwargs = create_engine_kwargs(url.render_as_string(hide_password=False))
        if url.get_backend_name() == "sqlite":
            engine_kwargs.update(sqlite_engine_kwargs())
        self.engine = make_engine(url, future=False, **engine_kwargs)
        if url.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _commit_without_fsync)
        rasa_engine.dispose()
        self.sessionmaker = sessionmaker(bind=self.engine)
        create_erasures_table(self.engine)
        self.keep_turns = int(keep_turns or 0)
        logger.debug("tracker store on %s keeps erased conversations erased", url.get_backend_name())

    def _event_query(self, session: Session, sender_id: str, fetch_events_from_all_sessions: bool) -> Query:
        """Rasa's query for the conversation's stored events, limited to those after its latest erasure
        (used by `retrieve` and by `save`'s count of what is already stored)."""
        query = super()._event_query(session, sender_id, fetch_events_from_all_sessions)
        erased_at = latest_erasure(session, sender_id)
        if erased_at is not None:
            query = query.filter(self.SQLEvent.timestamp > erased_at)
        return query

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's retrieval; the latest session of a long conversation as its recent turns plus a
        snapshot of its state (server/compaction.py)."""
        if fetch_events_from_all_sessions or self.keep_turns < 1 or not self.domain:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            window = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            events = compacted_events(window, self.SQLEvent, self.keep_turns)
            if events is None:
                events = [json.loads(row.data) for row in window.all()]
        if not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator[Event]:
        """The tracker's events to store: those after the latest erasure that are not stored yet.

        Both sides are counted over the same window (after the erasure; for a compacted tracker, from
        its first stored event on, without the snapshot before it), so this equals Rasa's own answer
        when the conversation was never erased nor compacted."""
        erased_at = latest_erasure(session, tracker.sender_id)
        window = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
        snapshot_length, first_kept_id = stored_prefix(tracker.events)
        if first_kept_id is not None:
            window = window.filter(self.SQLEvent.id >= first_kept_id)
        stored = window.count()
        candidates = _after(itertools.islice(tracker.events, snapshot_length, None), erased_at)
        return itertools.islice(candidates, stored, len(candidates))
