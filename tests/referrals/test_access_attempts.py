"""The per-reference limit on reference + contact checks (referrals/access_attempts.py), through the
patient-side functions every caller uses, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import referrals
from referrals.access_attempts import MAX_FAILURES, WINDOW, AccessFailure, locked_until
from referrals.models import utcnow

RIGHT = "bat.dorj@example.mn"


def fail(engine, reference: str, times: int, check=referrals.status_for_patient) -> None:
    for attempt in range(times):
        assert not check(engine, reference, f"guess{attempt}@example.mn")


def test_five_failures_lock_the_reference_even_for_the_right_contact(engine, inquiry_data):
    reference = referrals.submit_inquiry(engine, inquiry_data())
    fail(engine, reference, MAX_FAILURES - 1)
    assert referrals.status_for_patient(engine, reference, RIGHT) is not None, "four failures: not locked yet"
    fail(engine, reference, 1)
    with pytest.raises(referrals.ReferenceLocked) as locked:
        referrals.status_for_patient(engine, reference, RIGHT)
    assert 55 <= locked.value.minutes_left() <= 60
    with pytest.raises(referrals.ReferenceLocked):
        referrals.delete_personal_data(engine, reference, RIGHT)
    with Session(engine) as session:
        assert referrals.get_inquiry(session, reference).personal_data_deleted_at is None, "nothing was deleted"


def test_deletion_failures_count_too_and_typed_forms_of_the_reference_are_one(engine, inquiry_data):
    reference = referrals.submit_inquiry(engine, inquiry_data())
    typed = [reference.lower(), reference.replace("-", " "), reference[3:], reference]
    for form in typed:
        assert referrals.delete_personal_data(engine, form, "wrong@example.mn") is False
    fail(engine, reference, 1)
    with pytest.raises(referrals.ReferenceLocked):
        referrals.status_for_patient(engine, reference, RIGHT)


def test_an_unknown_reference_locks_exactly_like_an_existing_one(engine):
    """A lock-out must not tell whether an inquiry has this reference."""
    unknown = "KR-0000000000"
    fail(engine, unknown, MAX_FAILURES)
    with pytest.raises(referrals.ReferenceLocked):
        referrals.status_for_patient(engine, unknown, RIGHT)


def test_refusals_while_locked_are_not_counted_and_the_lock_ends_with_the_window(engine, inquiry_data):
    reference = referrals.submit_inquiry(engine, inquiry_data())
    start = utcnow() - WINDOW + timedelta(minutes=1)
    with Session(engine) as session:
        for minute in range(MAX_FAILURES):
            session.add(AccessFailure(reference=reference, failed_at=start + timedelta(seconds=minute)))
        session.commit()
        until = locked_until(session, reference)
        assert until is not None and until - utcnow() < timedelta(minutes=2)
    for _ in range(3):
        with pytest.raises(referrals.ReferenceLocked):
            referrals.status_for_patient(engine, reference, RIGHT)
    with Session(engine) as session:
        count = len(session.execute(select(AccessFailure).where(AccessFailure.reference == reference)).all())
        assert count == MAX_FAILURES, "a refusal during the lock-out does not extend it"
        assert locked_until(session, reference, now=until + timedelta(seconds=1)) is None


def test_one_reference_locked_leaves_the_others_alone(engine, inquiry_data):
    locked = referrals.submit_inquiry(engine, inquiry_data())
    other = referrals.submit_inquiry(engine, inquiry_data())
    fail(engine, locked, MAX_FAILURES)
    assert referrals.status_for_patient(engine, other, RIGHT) is not None


def test_failures_and_lock_outs_are_audited_without_the_contact_tried(engine, inquiry_data):
    reference = referrals.submit_inquiry(engine, inquiry_data())
    fail(engine, reference, MAX_FAILURES)
    with pytest.raises(referrals.ReferenceLocked):
        referrals.status_for_patient(engine, reference, RIGHT)
    referrals.status_for_patient(engine, "KR-1111111111", "someone@example.mn")
    referrals.status_for_patient(engine, "not a reference", "someone@example.mn")
    with Session(engine) as session:
        entries = referrals.audit_entries(session, reference)
        actions = [entry.action for entry in reversed(entries)]
        assert actions.count("status_check_refused") == MAX_FAILURES
        assert actions[-2:] == ["reference_locked", "refused_while_locked"]
        assert entries[-2].inquiry_id is not None, "an existing inquiry's failures are linked to it"
        unknown = referrals.audit_entries(session, "KR-1111111111")
        assert [entry.action for entry in unknown] == ["status_check_refused"]
        everything = referrals.audit_entries(session)
        details = " ".join(entry.details or "" for entry in everything)
        assert "example.mn" not in details and "guess" not in details and "Dorj" not in details
