"""When each conversation's transcript was erased, so that nothing from before can be stored again.

`_erase` (referrals.inquiries) records an erasure in the same transaction as it deletes the transcript.
The Rasa server's tracker store (`server.tracker_store`) reads the latest erasure of a conversation
before every save and never stores events from before it: without this, Rasa saves the in-memory
tracker of the conversation that asked for the deletion again right after "Done". The row holds only
the conversation id (Rasa's sender id, exactly as received) and the time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from referrals.models import Base, UTCDateTime


class Erasure(Base):
    """One erasure of one conversation's transcript."""

    __tablename__ = "referral_erasures"
    __table_args__ = (Index("ix_referral_erasures_conversation_id_erased_at", "conversation_id", "erased_at"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    erased_at = Column(UTCDateTime, nullable=False)

    def __repr__(self) -> str:
        return f"<Erasure at {self.erased_at:%Y-%m-%d %H:%M:%S}>"


def record_erasure(session: Session, conversation_id: str, erased_at: datetime) -> None:
    """Add the erasure to the session (the caller commits, with the deletion it belongs to)."""
    session.add(Erasure(conversation_id=conversation_id, erased_at=erased_at))


def latest_erasure(bind: Session | Connection, conversation_id: str) -> float | None:
    """The time (seconds since the epoch, like Rasa's event timestamps) of the conversation's latest
    erasure, or None when it was never erased."""
    erased_at = bind.execute(
        select(func.max(Erasure.erased_at)).where(Erasure.conversation_id == conversation_id)
    ).scalar()
    # max() keeps the column's type: an aware UTC datetime on every backend
    return None if erased_at is None else erased_at.timestamp()


def latest_erasures(session: Session) -> list[tuple[str, float]]:
    """Every erased conversation with the time of its latest erasure."""
    rows = session.execute(select(Erasure.conversation_id, func.max(Erasure.erased_at))
                           .group_by(Erasure.conversation_id)).all()
    return [(conversation_id, erased_at.timestamp()) for conversation_id, erased_at in rows]


def create_erasures_table(engine: Engine) -> None:
    """Create the table if it is missing (the tracker store calls this at start, before any inquiry
    exists); a creation that loses a race with another process starting at the same time is fine."""
    try:
        Erasure.__table__.create(engine, checkfirst=True)
    except DBAPIError:
        Erasure.__table__.create(engine, checkfirst=True)
