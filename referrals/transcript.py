"""Reading (and, on erasure, deleting) an inquiry's chat from Rasa's SQL tracker store.

Rasa owns the `events` table (id, sender_id, type_name, timestamp, intent_name, action_name, data as
JSON text); it is described here on a separate MetaData so `create_schema` never creates or alters it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

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

# After an erasure requested inside the conversation itself, Rasa saves the turn's events again once
# the action has run (its tracker still holds them). Events up to this long after the erasure are
# purged again by `purge_deleted_transcripts`.
RESAVE_GRACE = timedelta(minutes=2)


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
    """Delete the conversation's events up to `until` (no commit); return how many."""
    if not conversation_id or not has_events_table(session):
        return 0
    result = session.execute(delete(events).where(and_(
        events.c.sender_id == conversation_id, events.c.timestamp <= until.timestamp())))
    return result.rowcount or 0


def purge_deleted_transcripts(session: Session) -> int:
    """Delete again the chat events of inquiries whose personal data was deleted (those Rasa re-saved
    after an erasure requested in the same conversation); commit; return how many were deleted."""
    if not has_events_table(session):
        return 0
    rows = session.execute(select(Inquiry.conversation_id, Inquiry.personal_data_deleted_at).where(
        and_(Inquiry.personal_data_deleted_at.isnot(None), Inquiry.conversation_id.isnot(None)))).all()
    removed = sum(purge_transcript(session, conversation_id, deleted_at + RESAVE_GRACE)
                  for conversation_id, deleted_at in rows)
    session.commit()
    return removed
