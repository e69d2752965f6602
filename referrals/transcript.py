"""Reading (and, on erasure, deleting) an inquiry's chat from Rasa's SQL tracker store.

Rasa owns the `events` table (id, sender_id, type_name, timestamp, intent_name, action_name, data as
JSON text); it is described here on a separate MetaData so `create_schema` never creates or alters it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, and_, delete, inspect, select
from sqlalchemy.orm import Session

from referrals.models import Inquiry

events = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime | None
    speaker: str  # "patient" or "bot"
    text: str
    buttons: tuple[str, ...] = ()


def has_events_table(session: Session) -> bool:
    return inspect(session.connection()).has_table("events")


def transcript(session: Session, conversation_id: str | None) -> list[TranscriptLine]:
    """The user and bot messages of a conversation, oldest first ([] when there is no tracker store)."""
    if not conversation_id or not has_events_table(session):
        return []
    rows = session.execute(
        select(events.c.type_name, events.c.timestamp, events.c.data)
        .where(and_(events.c.sender_id == conversation_id, events.c.type_name.in_(("user", "bot"))))
        .order_by(events.c.id)
    )
    lines = []
    for type_name, timestamp, raw in rows:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        text = data.get("text") or ""
        buttons: tuple[str, ...] = ()
        if type_name == "bot":
            extra = data.get("data") if isinstance(data.get("data"), dict) else {}
            buttons = tuple(str(b.get("title", "")) for b in extra.get("buttons") or [] if isinstance(b, dict))
        if not text and not buttons:
            continue
        at = datetime.fromtimestamp(timestamp, tz=timezone.utc) if timestamp is not None else None
        lines.append(TranscriptLine(at=at, speaker="patient" if type_name == "user" else "bot",
                                    text=str(text), buttons=buttons))
    return lines


def purge_transcript(session: Session, conversation_id: str, until: datetime) -> int:
    """Delete the conversation's events up to `until` (no commit); return how many. The conversation id
    is Rasa's sender id exactly as received (spaces and case included)."""
    if not conversation_id or not has_events_table(session):
        return 0
    return _purge_until(session, conversation_id, until.timestamp())


def _purge_until(session: Session, conversation_id: str, until: float) -> int:
    result = session.execute(delete(events).where(and_(
        events.c.sender_id == conversation_id, events.c.timestamp <= until)))
    return result.rowcount or 0


def purge_deleted_transcripts(session: Session) -> int:
    """Delete again any chat event from before its conversation's latest erasure; commit; return how many.

    The tracker store (`server.tracker_store`) never stores such events, so this is a backstop: it
    removes what a store without that check saved (a Rasa server still configured with `type: SQL`), or
    the one turn a coordinator's erasure can race with on PostgreSQL. Events after the erasure are the
    conversation going on and are kept."""
    from referrals.erasures import Erasure, latest_erasures

    if not has_events_table(session):
        return 0
    cutoffs: dict[str, float] = {}
    if inspect(session.connection()).has_table(Erasure.__tablename__):
        cutoffs.update(latest_erasures(session))
    # inquiries erased before erasures were recorded
    legacy = session.execute(select(Inquiry.conversation_id, Inquiry.personal_data_deleted_at).where(
        and_(Inquiry.personal_data_deleted_at.isnot(None), Inquiry.conversation_id.isnot(None))))
    for conversation_id, deleted_at in legacy:
        cutoffs[conversation_id] = max(cutoffs.get(conversation_id, 0.0), deleted_at.timestamp())
    removed = sum(_purge_until(session, conversation_id, cutoff) for conversation_id, cutoff in cutoffs.items())
    session.commit()
    return removed
