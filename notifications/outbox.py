"""The outbox table: every email the project sends, queued in the transaction that caused it.

A row moves `pending` -> `sending` (claimed by one deliverer for `LEASE`) -> `sent`, or back to
`pending` with a later `next_attempt_at` after a temporary failure (SMTP down, a 4xx answer), or to
`failed` after a permanent one (every recipient refused, a 5xx answer) or `MAX_ATTEMPTS` tries. The
claim is one conditional UPDATE, so two deliverers (two console processes) never send the same row at
once. A deliverer that dies between the SMTP server's "250 OK" and marking the row sent leaves it
claimed; after the lease the row is sent again: the only way a message can arrive twice, and it keeps its
Message-ID, by which mail systems recognise the copy.

`dedupe_key` is unique: the same event queued twice (a retried request, a digest run twice a day) is
one row.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referrals.models import Base, UTCDateTime, utcnow

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
STATES = (PENDING, SENDING, SENT, FAILED, CANCELLED)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 20
REMOVED = "[removed with the patient's personal data]"


class OutboxMessage(Base):
    """One email to send (or sent)."""

    __tablename__ = "referral_outbox"
    __table_args__ = (Index("ix_referral_outbox_state_next_attempt_at", "state", "next_attempt_at"),)

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    kind = Column(String(20), nullable=False)  # arrival | reply | digest
    dedupe_key = Column(String(200), nullable=False, unique=True)
    inquiry_id = Column(Integer, ForeignKey("referral_inquiries.id", ondelete="SET NULL"), index=True)
    reference = Column(String(16))
    recipients = Column(JSON, nullable=False)  # list of addresses
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=False)
    message_id = Column(String(200), nullable=False)
    state = Column(String(12), nullable=False, default=PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_until = Column(UTCDateTime)
    claim = Column(String(32))
    last_error = Column(String(500))
    sent_at = Column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.state}>"


def enqueue(session: Session, *, kind: str, dedupe_key: str, recipients: list[str], subject: str, body: str,
            inquiry_id: int | None = None, reference: str | None = None, now: datetime | None = None,
            domain: str = "carebot.local") -> OutboxMessage | None:
    """Add a message to the caller's transaction (not committed); None when `dedupe_key` was queued
    before or there is no recipient."""
    if not recipients:
        return None
    if session.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first():
        return None
    message = OutboxMessage(kind=kind, dedupe_key=dedupe_key[:200], recipients=list(recipients),
                            subject=subject[:300], body=body, inquiry_id=inquiry_id, reference=reference,
                            created_at=now or utcnow(), next_attempt_at=now or utcnow(), state=PENDING,
                            attempts=0, message_id=f"<{secrets.token_hex(16)}@{domain}>")
    try:
        with session.begin_nested():  # a concurrent twin loses on the unique key without undoing the caller
            session.add(message)
    except IntegrityError:
        return None
    return message


def claim_due(session: Session, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Claim up to `limit` messages due for an attempt (pending and due, or sending with an expired
    lease) and commit; each is claimed by exactly one caller."""
    candidates = session.execute(
        select(OutboxMessage.id).where(
            ((OutboxMessage.state == PENDING) & (OutboxMessage.next_attempt_at <= now))
            | ((OutboxMessage.state == SENDING) & (OutboxMessage.claimed_until < now)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).scalars().all()
    claimed = []
    for message_id in candidates:
        token = secrets.token_hex(16)
        result = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).where(
                ((OutboxMessage.state == PENDING) & (OutboxMessage.next_attempt_at <= now))
                | ((OutboxMessage.state == SENDING) & (OutboxMessage.claimed_until < now)))
            .values(state=SENDING, claim=token, claimed_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
        session.commit()
        if result.rowcount == 1:
            claimed.append((message_id, token))
    found = []
    for message_id, token in claimed:
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        if message is not None and message.claim == token:
            found.append(message)
    return found


def _finish(session: Session, message: OutboxMessage, **values: object) -> bool:
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id).where(OutboxMessage.claim == message.claim)
        .values(claim=None, claimed_until=None, **values).execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


SENT_REPLY = "[sent; the reply's text is kept with the inquiry]"


def mark_sent(session: Session, message: OutboxMessage, now: datetime) -> bool:
    """Record the delivery (False when the claim was lost meanwhile). A sent reply's text is dropped
    from the outbox: the inquiry keeps it, and one copy of a patient's data is enough."""
    extra = {"body": SENT_REPLY} if message.kind == "reply" else {}
    return _finish(session, message, state=SENT, sent_at=now, last_error=None, **extra)


def mark_failed(session: Session, message: OutboxMessage, now: datetime, error: str, *, permanent: bool) -> bool:
    """Record a failed attempt: retried later with a growing delay (30 s doubling up to an hour), or given
    up for a permanent failure or after MAX_ATTEMPTS."""
    give_up = permanent or message.attempts >= MAX_ATTEMPTS
    delay = min(timedelta(seconds=30 * 2 ** max(0, message.attempts - 1)), timedelta(hours=1))
    return _finish(session, message, state=FAILED if give_up else PENDING, last_error=error[:500],
                   next_attempt_at=now + delay)


def retry(session: Session, message_id: int, now: datetime) -> bool:
    """Send a failed message again at the next round (an administrator fixed the address or the server)."""
    result = session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                             .where(OutboxMessage.state == FAILED)
                             .values(state=PENDING, next_attempt_at=now, attempts=0)
                             .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def for_inquiry(session: Session, inquiry_id: int) -> list[OutboxMessage]:
    """The messages about one inquiry, oldest first."""
    return list(session.execute(select(OutboxMessage).where(OutboxMessage.inquiry_id == inquiry_id)
                                .order_by(OutboxMessage.created_at, OutboxMessage.id)).scalars())


def recent(session: Session, *, state: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages, optionally in one state."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    if state:
        query = query.where(OutboxMessage.state == state)
    return list(session.execute(query).scalars())


def counts(session: Session) -> dict[str, int]:
    """How many messages are in each state."""
    from sqlalchemy import func  # noqa: PLC0415

    rows = session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))
    return {state: 0 for state in STATES} | {state: int(count) for state, count in rows}


def trouble(session: Session) -> tuple[int, int]:
    """(messages waiting for a retry after a failed attempt, messages given up), for the inbox's warning."""
    from sqlalchemy import func  # noqa: PLC0415

    retrying = session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.state.in_((PENDING, SENDING))).where(OutboxMessage.last_error.isnot(None))).scalar_one()
    failed = session.execute(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.state == FAILED)).scalar_one()
    return int(retrying), int(failed)


def scrub_for_inquiry(session: Session, inquiry_id: int) -> None:
    """For an erasure (in its transaction): the patient's messages lose address and text, and those not
    yet sent are cancelled; the coordinators' notifications hold no personal data and stay."""
    session.execute(update(OutboxMessage).where(OutboxMessage.inquiry_id == inquiry_id)
                    .where(OutboxMessage.kind == "reply").where(OutboxMessage.state != SENT)
                    .values(state=CANCELLED, claim=None).execution_options(synchronize_session=False))
    session.execute(update(OutboxMessage).where(OutboxMessage.inquiry_id == inquiry_id)
                    .where(OutboxMessage.kind == "reply")
                    .values(recipients=[], body=REMOVED, last_error=None)
                    .execution_options(synchronize_session=False))
