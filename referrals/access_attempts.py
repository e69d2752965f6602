"""The limit on guessing the second detail of an inquiry, per reference number, across every conversation.

A patient's status check or deletion needs the reference number and the email or phone given in the
inquiry. Each failed check is counted against the reference (normalised, whether or not an inquiry has
it, so that a lock-out tells nothing about existence), whoever asks: every chat conversation, a new
sender id or a /restart, and any other caller of `status_for_patient` / `delete_personal_data`.

After MAX_FAILURES failures within WINDOW the reference is locked until the oldest of them is WINDOW
old; meanwhile even the right contact is refused (`ReferenceLocked`). Refusals during a lock-out are
audited but not counted, so that someone guessing cannot keep the real patient out for longer than
one window. Every failure, lock-out and refusal is audited; the audit rows hold the reference and
counts, never the contact that was tried.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Column, Index, Integer, String, delete, select
from sqlalchemy.orm import Session

from referrals.errors import ReferralError
from referrals.models import Base, UTCDateTime, utcnow
from referrals.references import normalise_reference

if TYPE_CHECKING:
    from referrals.models import Inquiry

MAX_FAILURES = 5
WINDOW = timedelta(minutes=60)
ACTOR = "patient"  # the same actor as the patient-side audit rows of referrals.inquiries


class AccessFailure(Base):
    """One failed reference + contact check. Only the normalised reference and the time: nothing the
    person typed as the contact."""

    __tablename__ = "referral_access_failures"
    __table_args__ = (Index("ix_referral_access_failures_reference_failed_at", "reference", "failed_at"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False)
    failed_at = Column(UTCDateTime, nullable=False)

    def __repr__(self) -> str:
        return f"<AccessFailure {self.reference} {self.failed_at:%Y-%m-%d %H:%M:%S}>"


class ReferenceLocked(ReferralError):
    """Too many failed checks of this reference recently: nothing is looked up until `until`."""

    def __init__(self, reference: str, until: datetime) -> None:
        super().__init__("referral.reference_locked")
        self.reference = reference
        self.until = until

    def minutes_left(self, now: datetime | None = None) -> int:
        """Whole minutes until the lock ends (at least 1)."""
        return max(1, math.ceil((self.until - (now or utcnow())).total_seconds() / 60))


def _recent_failures(session: Session, reference: str, now: datetime) -> list[datetime]:
    """The times of the failures within the window, newest first (at most MAX_FAILURES)."""
    query = (select(AccessFailure.failed_at)
             .where(AccessFailure.reference == reference, AccessFailure.failed_at > now - WINDOW)
             .order_by(AccessFailure.failed_at.desc()).limit(MAX_FAILURES))
    return list(session.execute(query).scalars())


def locked_until(session: Session, reference: object, *, now: datetime | None = None) -> datetime | None:
    """When the lock on `reference` ends, or None when it is not locked (or cannot be a reference)."""
    canonical = normalise_reference(reference)
    if canonical is None:
        return None
    now = now or utcnow()
    failures = _recent_failures(session, canonical, now)
    if len(failures) < MAX_FAILURES:
        return None
    return min(failures) + WINDOW


def refuse_if_locked(session: Session, reference: object, purpose: str, *, inquiry: Inquiry | None = None,
                     now: datetime | None = None) -> None:
    """Raise `ReferenceLocked` (after auditing the refusal) when `reference` is locked. `purpose` says
    what was asked ("status check", "deletion") for the audit row."""
    from referrals.inquiries import record_audit

    until = locked_until(session, reference, now=now)
    if until is None:
        return
    canonical = normalise_reference(reference)
    record_audit(session, ACTOR, "refused_while_locked", inquiry=inquiry, reference=canonical,
                 details=f"{purpose} refused: locked after {MAX_FAILURES} failed checks")
    raise ReferenceLocked(canonical, until)


def record_failure(session: Session, reference: object, action: str, *, inquiry: Inquiry | None = None,
                   now: datetime | None = None) -> None:
    """Count one failed check of `reference`, audit it as `action` (and the lock-out it starts), commit.
    A value that cannot be a reference is audited but not counted: no inquiry can have it."""
    from referrals.inquiries import record_audit

    now = now or utcnow()
    canonical = normalise_reference(reference)
    if canonical is None:
        record_audit(session, ACTOR, action, details="not a reference number")
        return
    # rows older than the window no longer count; dropping them keeps the table small
    session.execute(delete(AccessFailure).where(AccessFailure.reference == canonical,
                                                AccessFailure.failed_at <= now - WINDOW))
    session.add(AccessFailure(reference=canonical, failed_at=now))
    session.flush()
    count = len(_recent_failures(session, canonical, now))
    minutes = int(WINDOW.total_seconds() // 60)
    record_audit(session, ACTOR, action, inquiry=inquiry, reference=canonical, commit=False,
                 details=f"failed check {count} of {MAX_FAILURES} within {minutes} minutes")
    if count == MAX_FAILURES:
        record_audit(session, ACTOR, "reference_locked", inquiry=inquiry, reference=canonical, commit=False,
                     details=f"locked for up to {minutes} minutes after {MAX_FAILURES} failed checks")
    session.commit()
