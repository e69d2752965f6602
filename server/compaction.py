"""A long conversation loaded as its recent turns plus a snapshot of its state, so that a turn's cost
does not grow with the conversation.

Rasa's SQL tracker store loads every event of the conversation session on each message, and the
policies then walk all of them (`past_states`), the action server gets all of them, and deserialising
them dominates a turn after a hundred turns (issue #14: 2.5x slower at turns 101-120 than at 1-20).
This bot's dialogue only needs the slots, the active form and the last few turns (rules look two turns
back, MemoizationPolicy three).

`compacted_events()` reads, for a session with more than `keep_turns` user messages:

- the events from the `keep_turns`-th latest user message on, as they are stored;
- before them, a snapshot made by the database: each slot's latest value and the latest active loop,
  from the events before that message (after the latest restart or slot reset), as `SlotSet` and
  `ActiveLoop` events, then `action_listen`, the way Rasa's own session start carries slots over.

Nothing is written: the events table stays Rasa's complete record (transcripts, `rasa export`, the
erasure purge), and the snapshot is made from whatever the caller's query admits (the latest session,
after the latest erasure). The snapshot's events carry `COMPACTED` in their metadata with the id of the
first stored event that follows them, so `stored_prefix()` can tell a store which of a tracker's events
were never stored as such (it must never store them).
"""
from __future__ import annotations

import json
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, AllSlotsReset, Event, Restarted, SlotSet, UserUttered
from sqlalchemy import func
from sqlalchemy.orm import Query

COMPACTED = "carebot_compacted_from_event_id"
# Enough for every rule of data/rules (two turns), MemoizationPolicy's max_history (3) and the forms'
# "this turn" checks, with room to spare.
DEFAULT_KEEP_TURNS = 6


def _snapshot_metadata(first_kept_id: int) -> dict[str, Any]:
    return {COMPACTED: first_kept_id}


def compacted_events(window: Query, sql_event: Any, keep_turns: int) -> list[dict[str, Any]] | None:
    """The serialised events of the conversation in `window` (Rasa's event query for one sender,
    ordered by id): the snapshot, then the last `keep_turns` turns. None when the conversation is
    short enough to load whole."""
    unordered = window.order_by(None)
    first_kept_id = (unordered.filter(sql_event.type_name == UserUttered.type_name)
                     .order_by(sql_event.id.desc()).offset(keep_turns - 1).limit(1)
                     .with_entities(sql_event.id).scalar())
    if first_kept_id is None:
        return None
    before = unordered.filter(sql_event.id < first_kept_id)
    # a restart or a reset of all slots wipes what came before it
    floor = (before.filter(sql_event.type_name.in_((Restarted.type_name, AllSlotsReset.type_name)))
             .with_entities(func.max(sql_event.id)).scalar())
    if floor is not None:
        before = before.filter(sql_event.id > floor)
    metadata = _snapshot_metadata(first_kept_id)
    snapshot: list[dict[str, Any]] = []
    # the latest SlotSet of each slot (Rasa stores the slot's name in action_name)
    latest_slot_ids = (before.filter(sql_event.type_name == SlotSet.type_name)
                       .with_entities(func.max(sql_event.id).label("id")).group_by(sql_event.action_name)
                       .subquery())
    slot_rows = (window.session.query(sql_event.data, sql_event.timestamp)
                 .filter(sql_event.id.in_(window.session.query(latest_slot_ids.c.id)))
                 .order_by(sql_event.id).all())
    for data, timestamp in slot_rows:
        stored = json.loads(data)
        snapshot.append(SlotSet(stored.get("name"), stored.get("value"), timestamp=timestamp,
                                metadata=metadata).as_dict())
    loop_row = (before.filter(sql_event.type_name == ActiveLoop.type_name)
                .order_by(sql_event.id.desc()).limit(1).with_entities(sql_event.data, sql_event.timestamp).first())
    if loop_row is not None:
        snapshot.append(ActiveLoop(json.loads(loop_row.data).get("name"), timestamp=loop_row.timestamp,
                                   metadata=metadata).as_dict())
    kept = [json.loads(row.data) for row in window.filter(sql_event.id >= first_kept_id).all()]
    # just before the first kept message, as a session start's action_listen would be
    snapshot.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=kept[0].get("timestamp"),
                                   metadata=metadata).as_dict())
    return snapshot + kept


def stored_prefix(events: Any) -> tuple[int, int | None]:
    """How many of `events` lead the tracker as a snapshot (never stored as such), and the id of the
    first stored event after them; (0, None) for a tracker loaded whole."""
    count, first_kept_id = 0, None
    for event in events:
        marker = (getattr(event, "metadata", None) or {}).get(COMPACTED)
        if marker is None:
            break
        count, first_kept_id = count + 1, marker
    return count, first_kept_id


def is_snapshot(event: Event) -> bool:
    """Whether `event` was made by `compacted_events` rather than read as stored."""
    return COMPACTED in (getattr(event, "metadata", None) or {})
