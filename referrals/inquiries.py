"""Storing inquiries and the coordinators' work on them.

Conventions: every function takes a SQLAlchemy `Session` (the patient-side functions `submit_inquiry`,
`status_for_patient` and `delete_personal_data` also take an `Engine`). Functions that change
something commit the session themselves: each call is one unit of work, audited in the same transaction.
Coordinator-side functions name the acting coordinator with `by=<username>`, which must be an active
account (`UnknownCoordinator` otherwise) allowed to work on the inquiry (`NotPermitted` for another unit's
queue, see `referrals.access`). A new inquiry and a reply queue their emails in the outbox in the same
transaction (`notifications.events`). Lists and filters: `referrals.listing`.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referrals import references
from referrals.access import acting_account, require_can_open
from referrals.enums import ALLOWED_TRANSITIONS, REPLYABLE_STATUSES, Status
from referrals.errors import (
    InquiryNotFound, InvalidTransition, PersonalDataDeleted, ReferralError, UnknownCoordinator, ValidationError,
)
from referrals.fields import clean_inquiry
from referrals.models import AuditEntry, Coordinator, Inquiry, Note, utcnow
from referrals.validation import clean_text, normalise_email, normalise_phone

PATIENT_ACTOR = "patient"
REFERENCE_ATTEMPTS = 8
MAX_NOTE = 5000
MAX_REPLY = 10000
# Fields the patient gave us that identify them or describe their health. Deleting personal data
# empties all of them; the anonymised shell keeps country, language, stage, wants, the condition and
# unit ids, the dates and the workflow (for statistics and the audit trail).
PERSONAL_FIELDS = (
    "writer_name", "relation", "patient_name", "age", "birth_date", "diagnosis", "treatment_history",
    "questions", "travel_plans", "contact_email", "contact_phone", "has_records", "has_pathology",
    "has_imaging", "reply_text", "consent_version",
)
REMOVED_NOTE_TEXT = "[removed with the patient's personal data]"


@contextmanager
def _session(bind: Session | Engine) -> Iterator[Session]:
    if isinstance(bind, Engine):
        with Session(bind, future=True, expire_on_commit=False) as session:
            yield session
    else:
        yield bind


def record_audit(session: Session, actor: str, action: str, *, inquiry: Inquiry | None = None,
                 reference: str | None = None, details: str | None = None, commit: bool = True) -> AuditEntry:
    """Add an audit row (`details` must hold no personal data). Used for views, changes, exports and
    sign-ins; commits unless `commit=False`."""
    entry = AuditEntry(at=utcnow(), actor=actor[:80], action=action[:40], details=details,
                       inquiry_id=inquiry.id if inquiry is not None else None,
                       reference=inquiry.reference if inquiry is not None else reference)
    session.add(entry)
    if commit:
        session.commit()
    return entry


# --- the patient's side -------------------------------------------------------------------------------

def submit_inquiry(bind: Session | Engine, data: Mapping[str, Any], *, now: datetime | None = None,
                   before_commit: Callable[[Session, Inquiry], None] | None = None) -> str:
    """Validate and store a new inquiry; return its reference (`KR-XXXXXXXXXX`).

    Raises `ConsentRequired` without consent and `ValidationError` (with `.errors` per field) for wrong
    or missing answers; nothing is stored then. See `referrals.fields.INQUIRY_FIELDS` for the keys.
    `before_commit(session, inquiry)` adds rows that must be stored with the inquiry or not at all
    (`referrals.submissions`)."""
    created = now or utcnow()
    values = clean_inquiry(data, now=created)
    with _session(bind) as session:
        for _attempt in range(REFERENCE_ATTEMPTS):
            reference = references.new_reference()
            if session.execute(select(Inquiry.id).where(Inquiry.reference == reference)).first():
                continue
            inquiry = Inquiry(reference=reference, created_at=created, updated_at=created,
                              status=Status.NEW.value, **values)
            session.add(inquiry)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                if session.execute(select(Inquiry.id).where(Inquiry.reference == reference)).first():
                    continue  # another process took the same reference in between
                raise
            record_audit(session, PATIENT_ACTOR, "submitted", inquiry=inquiry, commit=False)
            _notify("inquiry_arrived", session, inquiry)  # queued with the inquiry: stored both, or neither
            if before_commit is not None:
                before_commit(session, inquiry)
            session.commit()
            return reference
    raise RuntimeError("could not generate an unused inquiry reference")


def _notify(event: str, session: Session, inquiry: Inquiry) -> None:
    """Queue the emails of an event in the outbox, in the caller's transaction (`notifications.events`)."""
    from notifications import events  # noqa: PLC0415 - notifications builds on this module

    getattr(events, event)(session, inquiry)


@dataclass(frozen=True)
class PatientStatus:
    """What a patient may see of their inquiry."""

    reference: str
    status: Status
    status_label: str
    submitted_at: datetime
    updated_at: datetime
    reply: str | None
    replied_at: datetime | None
    replied_by: str | None  # the coordinator's display name


_NO_MATCH = "\x00no-such-contact\x00"


def _normalised_contact(contact: Any) -> str | None:
    if not isinstance(contact, str) or not contact.strip():
        return None
    try:
        return normalise_email(contact) if "@" in contact else normalise_phone(contact)
    except ValidationError:
        return None


def _contact_matches(inquiry: Inquiry | None, contact: Any) -> bool:
    """Constant-time comparison of the given contact with the inquiry's email and phone; an unknown
    inquiry or an unusable contact costs the same comparisons and fails."""
    given = (_normalised_contact(contact) or _NO_MATCH).encode()
    email = (inquiry.contact_email if inquiry is not None and inquiry.contact_email else _NO_MATCH).encode()
    phone = (inquiry.contact_phone if inquiry is not None and inquiry.contact_phone else _NO_MATCH).encode()
    email_ok = hmac.compare_digest(given, email)
    phone_ok = hmac.compare_digest(given, phone)
    return inquiry is not None and given != _NO_MATCH.encode() and (email_ok or phone_ok)


def _find_for_patient(session: Session, reference: Any) -> Inquiry | None:
    canonical = references.normalise_reference(reference)
    if canonical is None:
        return None
    return session.execute(select(Inquiry).where(Inquiry.reference == canonical)).scalar_one_or_none()


def status_for_patient(bind: Session | Engine, reference: Any, contact: Any) -> PatientStatus | None:
    """The status and the coordinator's reply, only when `contact` (the email or phone given in the
    inquiry, in any formatting) matches. An unknown reference, a wrong or malformed contact and a deleted
    inquiry all return None: the caller cannot tell them apart. Each failure counts against the reference
    (`referrals.access_attempts`); a locked reference raises `ReferenceLocked`, even with the right contact."""
    from referrals.access_attempts import record_failure, refuse_if_locked

    with _session(bind) as session:
        inquiry = _find_for_patient(session, reference)
        refuse_if_locked(session, reference, "status check", inquiry=inquiry)
        if not _contact_matches(inquiry, contact):
            record_failure(session, reference, "status_check_refused", inquiry=inquiry)
            return None
        status = Status(inquiry.status)
        result = PatientStatus(
            reference=inquiry.reference, status=status, status_label=status.label,
            submitted_at=inquiry.created_at, updated_at=inquiry.updated_at, reply=inquiry.reply_text,
            replied_at=inquiry.replied_at if inquiry.reply_text else None,
            replied_by=inquiry.replied_by.display_name if inquiry.reply_text and inquiry.replied_by else None,
        )
        record_audit(session, PATIENT_ACTOR, "status_checked", inquiry=inquiry)
        return result


def delete_personal_data(bind: Session | Engine, reference: Any, contact: Any) -> bool:
    """The patient's right to erasure: with the same contact check as `status_for_patient`, empty every
    personal field (see PERSONAL_FIELDS), scrub the internal notes, delete the chat transcript, close
    the inquiry and audit it. Returns False (and changes nothing) when the check fails; failures and
    lock-outs as in `status_for_patient`."""
    from referrals.access_attempts import record_failure, refuse_if_locked

    with _session(bind) as session:
        inquiry = _find_for_patient(session, reference)
        refuse_if_locked(session, reference, "deletion", inquiry=inquiry)
        if not _contact_matches(inquiry, contact) or inquiry.is_deleted:
            record_failure(session, reference, "deletion_refused", inquiry=inquiry)
            return False
        _erase(session, inquiry, PATIENT_ACTOR)
        return True


def _erase(session: Session, inquiry: Inquiry, actor: str) -> None:
    """Empty the personal fields and notes, delete the transcript and record the erasure, in one
    transaction: the recorded time is what the tracker store checks before saving a conversation
    again (`server.tracker_store`), so nothing from before it is stored again."""
    from referrals.erasures import record_erasure
    from referrals.transcript import purge_transcript

    now = utcnow()
    for name in PERSONAL_FIELDS:
        setattr(inquiry, name, None)
    for note in inquiry.notes:
        note.text = REMOVED_NOTE_TEXT
    inquiry.status = Status.CLOSED.value
    inquiry.personal_data_deleted_at = now
    inquiry.updated_at = now
    from notifications.outbox import scrub_for_inquiry  # noqa: PLC0415

    scrub_for_inquiry(session, inquiry.id)  # the reply emails held the patient's address and the reply
    removed = 0
    if inquiry.conversation_id:
        record_erasure(session, inquiry.conversation_id, now)
        removed = purge_transcript(session, inquiry.conversation_id, until=now)
    record_audit(session, actor, "personal_data_deleted", inquiry=inquiry,
                 details=f"{removed} chat events deleted", commit=False)
    session.commit()


# --- the coordinators' side ---------------------------------------------------------------------------

def get_coordinator(session: Session, username: str) -> Coordinator | None:
    return session.execute(
        select(Coordinator).where(Coordinator.username == (username or "").strip().lower())
    ).scalar_one_or_none()


def _acting(session: Session, username: str) -> Coordinator:
    coordinator = get_coordinator(session, username)
    if coordinator is None or not coordinator.active:
        raise UnknownCoordinator(username)
    return coordinator


def get_inquiry(session: Session, reference: str) -> Inquiry:
    """The inquiry with this reference (typed forms accepted); `InquiryNotFound` otherwise. Not audited:
    use `view_inquiry` when a person looks at it."""
    canonical = references.normalise_reference(reference)
    inquiry = None
    if canonical is not None:
        inquiry = session.execute(select(Inquiry).where(Inquiry.reference == canonical)).unique().scalar_one_or_none()
    if inquiry is None:
        raise InquiryNotFound(str(reference))
    return inquiry


def view_inquiry(session: Session, reference: str, *, by: str) -> Inquiry:
    """`get_inquiry` plus an audit row saying that `by` viewed it; `NotPermitted` (audited as refused)
    when `by` is a coordinator and the inquiry is in another unit's queue (`referrals.access`)."""
    inquiry = get_inquiry(session, reference)
    account = acting_account(session, by)
    try:
        require_can_open(account, inquiry)
    except ReferralError:
        record_audit(session, by, "view_refused", inquiry=inquiry, details="another unit's queue")
        raise
    record_audit(session, by, "viewed", inquiry=inquiry)
    return inquiry


def _for_change(session: Session, reference: str, by: str) -> tuple[Inquiry, Coordinator]:
    coordinator = _acting(session, by)
    canonical = references.normalise_reference(reference)
    inquiry = None
    if canonical is not None:
        inquiry = session.execute(
            select(Inquiry).where(Inquiry.reference == canonical).with_for_update(of=Inquiry)
        ).unique().scalar_one_or_none()
    if inquiry is None:
        raise InquiryNotFound(str(reference))
    require_can_open(coordinator, inquiry)
    if inquiry.is_deleted:
        raise PersonalDataDeleted(inquiry.reference)
    return inquiry, coordinator


def allowed_statuses(inquiry: Inquiry) -> list[Status]:
    """The statuses a coordinator may move this inquiry to (in workflow order)."""
    if inquiry.is_deleted:
        return []
    allowed = ALLOWED_TRANSITIONS[Status(inquiry.status)]
    return [status for status in Status if status in allowed
            and (status is not Status.ANSWERED or inquiry.reply_text)]


def set_status(session: Session, reference: str, status: Status | str, *, by: str) -> Inquiry:
    """Move the inquiry along the workflow (see `ALLOWED_TRANSITIONS`); `InvalidTransition` otherwise.
    ANSWERED needs a reply to the patient (normally reached through `reply_to_patient`)."""
    new = Status.parse(status, field="status")
    inquiry, coordinator = _for_change(session, reference, by)
    old = Status(inquiry.status)
    if new is old:
        raise InvalidTransition("referral.status_unchanged", reference=inquiry.reference,
                                status=new.short_label.lower())
    if new not in ALLOWED_TRANSITIONS[old]:
        allowed = ", ".join(s.short_label.lower() for s in allowed_statuses(inquiry))
        status, new_status = old.short_label.lower(), new.short_label.lower()
        if not allowed:
            raise InvalidTransition("referral.status_final", status=status, new_status=new_status)
        raise InvalidTransition("referral.status_not_allowed", status=status, new_status=new_status, allowed=allowed)
    if new is Status.ANSWERED and not inquiry.reply_text:
        raise InvalidTransition("referral.reply_first")
    inquiry.status = new.value
    inquiry.updated_at = utcnow()
    record_audit(session, coordinator.username, "status_changed", inquiry=inquiry,
                 details=f"{old.value} -> {new.value}", commit=False)
    session.commit()
    return inquiry


def assign(session: Session, reference: str, username: str | None, *, by: str) -> Inquiry:
    """Assign the inquiry to an active coordinator (`username`), or unassign it (None or '')."""
    inquiry, coordinator = _for_change(session, reference, by)
    assignee = _acting(session, username) if username else None
    previous = inquiry.assigned_to.username if inquiry.assigned_to else None
    if (assignee.username if assignee else None) == previous:
        return inquiry
    inquiry.assigned_to = assignee
    inquiry.updated_at = utcnow()
    record_audit(session, coordinator.username, "assigned", inquiry=inquiry,
                 details=f"{previous or 'nobody'} -> {assignee.username if assignee else 'nobody'}", commit=False)
    session.commit()
    return inquiry


def add_note(session: Session, reference: str, text: str, *, by: str) -> Note:
    """Add an internal note (never shown to the patient)."""
    inquiry, coordinator = _for_change(session, reference, by)
    cleaned = clean_text(text, "note", max_length=MAX_NOTE, required=True)
    note = Note(inquiry=inquiry, author=coordinator, text=cleaned, created_at=utcnow())
    session.add(note)
    inquiry.updated_at = note.created_at
    session.flush()
    record_audit(session, coordinator.username, "note_added", inquiry=inquiry, details=f"note {note.id}",
                 commit=False)
    session.commit()
    return note


def reply_to_patient(session: Session, reference: str, text: str, *, by: str) -> Inquiry:
    """Write (or rewrite) the reply the patient sees with `status_for_patient`; sets the status to
    ANSWERED. A replaced reply is kept as an internal note. Closed inquiries must be reopened first."""
    inquiry, coordinator = _for_change(session, reference, by)
    old = Status(inquiry.status)
    if old not in REPLYABLE_STATUSES:
        raise InvalidTransition("referral.closed_no_reply")
    cleaned = clean_text(text, "reply", max_length=MAX_REPLY, required=True)
    now = utcnow()
    if inquiry.reply_text:
        who = inquiry.replied_by.display_name if inquiry.replied_by else "a coordinator"
        session.add(Note(inquiry=inquiry, author=coordinator, created_at=now,
                         text=f"Earlier reply to the patient, by {who} on "
                              f"{inquiry.replied_at:%Y-%m-%d %H:%M} UTC, replaced:\n{inquiry.reply_text}"))
    inquiry.reply_text = cleaned
    inquiry.replied_by = coordinator
    inquiry.replied_at = now
    inquiry.status = Status.ANSWERED.value
    inquiry.updated_at = now
    record_audit(session, coordinator.username, "replied", inquiry=inquiry,
                 details=f"{old.value} -> {Status.ANSWERED.value}", commit=False)
    _notify("reply_written", session, inquiry)  # the email to the patient, sent from the outbox
    session.commit()
    return inquiry


def erase_personal_data(session: Session, reference: str, *, by: str) -> Inquiry:
    """A coordinator deletes the inquiry's personal data (the patient asked through another channel);
    the same erasure as `delete_personal_data`, audited under the coordinator's name."""
    inquiry, coordinator = _for_change(session, reference, by)
    _erase(session, inquiry, coordinator.username)
    return inquiry


def audit_entries(session: Session, reference: str | None = None, *, actor: str | None = None,
                  limit: int = 500) -> list[AuditEntry]:
    """Audit rows, newest first, optionally for one inquiry and/or one actor."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if reference is not None:
        query = query.where(AuditEntry.reference == (references.normalise_reference(reference) or reference))
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    return list(session.execute(query).scalars())
