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

This overrides two private methods of Rasa 3.6's `SQLTrackerStore` (`_event_query`,
`_additional_events`); tests/server/test_tracker_store.py checks them against the pinned Rasa.
"""
from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Query, Session, sessionmaker

from referrals.erasures import create_erasures_table, latest_erasure
from settings.database import make_engine

logger = logging.getLogger(__name__)


def _after(events: Any, erased_at: float | None) -> list[Event]:
    """The events strictly after the erasure time (all of them when there was no erasure)."""
    if erased_at is None:
        return list(events)
    return [event for event in events if event.timestamp is not None and event.timestamp > erased_at]


class ErasureAwareTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that never stores or loads a conversation's events from before its latest
    erasure, on the project's engine."""

    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None,
                 **kwargs: Any) -> None:
        # Rasa builds its own engine (and the events table) first; ours replaces it, with the same URL,
        # Rasa's PostgreSQL pool settings and Rasa's (non-future) engine API.
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        url = self.engine.url
        rasa_engine = self.engine
        self.engine = make_engine(url, future=False, **create_engine_kwargs(url.render_as_string(hide_password=False)))
        rasa_engine.dispose()
        self.sessionmaker = sessionmaker(bind=self.engine)
        create_erasures_table(self.engine)
        logger.debug("tracker store on %s keeps erased conversations erased", url.get_backend_name())

    def _event_query(self, session: Session, sender_id: str, fetch_events_from_all_sessions: bool) -> Query:
        """Rasa's query for the conversation's stored events, limited to those after its latest erasure
        (used by `retrieve` and by `save`'s count of what is already stored)."""
        query = super()._event_query(session, sender_id, fetch_events_from_all_sessions)
        erased_at = latest_erasure(session, sender_id)
        if erased_at is not None:
            query = query.filter(self.SQLEvent.timestamp > erased_at)
        return query

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator[Event]:
        """The tracker's events to store: those after the latest erasure that are not stored yet.

        Both sides are counted over the same window (after the erasure), so this equals Rasa's own
        answer when the conversation was never erased."""
        erased_at = latest_erasure(session, tracker.sender_id)
        stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        candidates = _after(tracker.events, erased_at)
        return itertools.islice(candidates, stored, len(candidates))
