"""Which emails an event queues, and to whom. Each function adds rows to the caller's transaction (the
caller commits), so the email is stored with what caused it, or not at all.

- A new inquiry: one notification to each coordinator of the recommended unit's queue who has an email
  address; when nobody works that queue (or no unit was recommended), to the administrators.
- A reply: one email to the patient's address, when they gave one (a phone-only patient reads the reply
  in the chat).
- The daily digest: to each account with an address, the overdue inquiries it may see.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from notifications import messages
from notifications.outbox import OutboxMessage, enqueue
from referrals.accounts import administrators, list_coordinators, queue_of
from referrals.deadlines import KST, OPEN_STATUSES, Promise, overdue
from referrals.listing import list_inquiries
from referrals.models import Coordinator, Inquiry, utcnow
from referrals.names import names
from referrals.places import country_name, language_name
from settings import load_settings


def _link(path: str) -> str:
    return load_settings().console_link + path


def _domain() -> str:
    sender = load_settings().smtp_sender
    return sender.rsplit("@", 1)[-1].strip(" >") or "carebot.local"


def notification_recipients(session: Session, unit_id: str | None) -> list[Coordinator]:
    """The unit queue's coordinators with an address, else the administrators with one."""
    queue = [account for account in queue_of(session, unit_id) if account.email]
    return queue or [account for account in administrators(session) if account.email]


def inquiry_arrived(session: Session, inquiry: Inquiry) -> list[OutboxMessage]:
    """Queue the arrival notifications of a new inquiry (flushed, with an id)."""
    promise = Promise.from_settings()
    known = names(session.get_bind())
    general = "no unit recommended (general queue)"
    email = messages.arrival(
        reference=inquiry.reference, unit=known.unit_full(inquiry.recommended_unit_id) or general,
        unit_short=known.unit(inquiry.recommended_unit_id) or "the general queue",
        country=country_name(inquiry.country), language=language_name(inquiry.language), arrived_at=inquiry.created_at,
        due_at=promise.due_at(inquiry.created_at), working_days=promise.working_days,
        link=_link(f"/inquiries/{inquiry.reference}"))
    queued = []
    for account in notification_recipients(session, inquiry.recommended_unit_id):
        message = enqueue(session, kind="arrival", dedupe_key=f"arrival:{inquiry.reference}:{account.username}",
                          recipients=[account.email], subject=email.subject, body=email.body,
                          inquiry_id=inquiry.id, reference=inquiry.reference, domain=_domain())
        if message is not None:
            queued.append(message)
    return queued


def reply_written(session: Session, inquiry: Inquiry) -> OutboxMessage | None:
    """Queue the reply email to the patient (None without an email address)."""
    if not inquiry.contact_email or not inquiry.reply_text:
        return None
    coordinator = inquiry.replied_by.display_name if inquiry.replied_by else "The international office"
    email = messages.reply(reference=inquiry.reference, text=inquiry.reply_text, coordinator=coordinator,
                           language=inquiry.language)
    stamp = (inquiry.replied_at or utcnow()).strftime("%Y%m%dT%H%M%S%f")
    return enqueue(session, kind="reply", dedupe_key=f"reply:{inquiry.reference}:{stamp}",
                   recipients=[inquiry.contact_email], subject=email.subject, body=email.body,
                   inquiry_id=inquiry.id, reference=inquiry.reference, domain=_domain())


def queue_digest(session: Session, now: datetime | None = None) -> list[OutboxMessage]:
    """Queue today's digest (Korea's date) of overdue inquiries to every active account with an address
    that has any in its queues, and commit. Run twice the same day, it queues nothing more."""
    now = now or utcnow()
    promise = Promise.from_settings()
    day = now.astimezone(KST).date().isoformat()
    unit_names = names(session.get_bind())
    queued = []
    for account in list_coordinators(session):
        if not account.email:
            continue
        open_ones = [i for i in list_inquiries(session, viewer=account, order="due") if i.status in OPEN_STATUSES]
        late = overdue(open_ones, now, promise)
        if not late:
            continue
        lines = [messages.DigestLine(
            reference=inquiry.reference, unit=unit_names.unit(inquiry.recommended_unit_id),
            country=country_name(inquiry.country), status=inquiry.status.replace("_", " "),
            assigned_to=inquiry.assigned_to.display_name if inquiry.assigned_to else "nobody",
            arrived_at=inquiry.created_at, overdue_by=-deadline.left,
            link=_link(f"/inquiries/{inquiry.reference}")) for inquiry, deadline in late]
        email = messages.digest(day=day, lines=lines, working_days=promise.working_days, inbox_link=_link("/"))
        message = enqueue(session, kind="digest", dedupe_key=f"digest:{day}:{account.username}",
                          recipients=[account.email], subject=email.subject, body=email.body, now=now,
                          domain=_domain())
        if message is not None:
            queued.append(message)
    session.commit()
    return queued

