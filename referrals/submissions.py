"""One inquiry per filled-in form, however often "send it" arrives.

The chat form makes a random key when the patient consents (`new_submission_key`) and keeps it until
the inquiry is stored. `submit_once` stores the inquiry and the key in one transaction, so:

- a retry after a failure whose write did commit after all (the answer was lost, or came too late for
  the widget) finds the key and returns the same reference instead of storing a second inquiry;
- two "send it" racing each other cannot both store: the key is unique, the loser reads the winner's
  reference.

The row holds the key, the inquiry and its reference: no personal data.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referrals.inquiries import submit_inquiry
from referrals.models import Base, Inquiry, UTCDateTime, utcnow

MAX_KEY_LENGTH = 64


class Submission(Base):
    """The form (by its key) that an inquiry was stored from."""

    __tablename__ = "referral_submissions"

    id = Column(Integer, primary_key=True)
    key = Column(String(MAX_KEY_LENGTH), nullable=False, unique=True)
    inquiry_id = Column(Integer, ForeignKey("referral_inquiries.id", ondelete="CASCADE"), nullable=False, index=True)
    reference = Column(String(16), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<Submission {self.reference}>"


def new_submission_key() -> str:
    """A random key for one form (128 bits: never the same for two forms)."""
    return secrets.token_hex(16)


def reference_for_key(session: Session, key: str) -> str | None:
    """The reference of the inquiry stored from the form with this key, or None."""
    return session.execute(select(Submission.reference).where(Submission.key == key)).scalar_one_or_none()


def submit_once(bind: Session | Engine, key: str, data: Mapping[str, Any], *, now: datetime | None = None) -> str:
    """Store the inquiry of the form identified by `key` unless it was stored already; return its
    reference either way. Raises what `submit_inquiry` raises (nothing is stored then)."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError("a submission key is 1 to 64 characters")
    own_session = isinstance(bind, Engine)
    session = Session(bind, future=True, expire_on_commit=False) if own_session else bind
    try:
        existing = reference_for_key(session, key)
        if existing is not None:
            return existing

        def remember(session: Session, inquiry: Inquiry) -> None:
            # in the inquiry's own transaction: both are stored, or neither
            session.add(Submission(key=key, inquiry_id=inquiry.id, reference=inquiry.reference,
                                   created_at=inquiry.created_at))

        try:
            return submit_inquiry(session, data, now=now, before_commit=remember)
        except IntegrityError:
            session.rollback()
            existing = reference_for_key(session, key)
            if existing is not None:
                return existing  # another "send it" of the same form stored it in between
            raise
    finally:
        if own_session:
            session.close()
