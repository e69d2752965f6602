"""The response-time promise: working days in Korea, the inbox's order by time left."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session

import referrals
from referrals.deadlines import KST, Promise, deadline, overdue


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def test_due_after_two_working_days_skipping_weekends_and_holidays():
    promise = Promise(working_days=2)
    assert promise.due_at(kst(2026, 12, 1, 10, 30)) == kst(2026, 12, 3, 10, 30)  # Tuesday -> Thursday
    assert promise.due_at(kst(2026, 12, 4, 16, 0)) == kst(2026, 12, 8, 16, 0)  # Friday -> Tuesday
    assert promise.due_at(kst(2026, 12, 5, 11, 0)) == kst(2026, 12, 9, 0, 0)  # Saturday: from Monday's start
    christmas = Promise(working_days=2, holidays=frozenset({date(2026, 12, 25)}))
    assert christmas.due_at(kst(2026, 12, 24, 9, 0)) == kst(2026, 12, 29, 9, 0)  # Thu -> (Fri off) Mon -> Tue
    utc = datetime(2026, 12, 4, 20, 0, tzinfo=timezone.utc)  # Saturday 05:00 in Korea
    assert promise.due_at(utc) == kst(2026, 12, 9, 0, 0)
    assert Promise(working_days=1).due_at(kst(2026, 12, 1, 10, 0)) == kst(2026, 12, 2, 10, 0)


def test_only_open_inquiries_have_a_deadline(session, coordinators, inquiry_data):
    now = datetime.now(timezone.utc)
    promise = Promise(working_days=2)
    late = referrals.submit_inquiry(session, inquiry_data(conversation_id="a"), now=now - timedelta(days=9))
    later = referrals.submit_inquiry(session, inquiry_data(conversation_id="b"), now=now - timedelta(days=8))
    fresh = referrals.submit_inquiry(session, inquiry_data(conversation_id="c"), now=now - timedelta(minutes=5))
    answered = referrals.submit_inquiry(session, inquiry_data(conversation_id="d"), now=now - timedelta(days=10))
    referrals.reply_to_patient(session, answered, "Answered.", by="anna")
    items = {i.reference: i for i in referrals.list_inquiries(session)}
    assert deadline(items[answered], now, promise) is None
    assert deadline(items[fresh], now, promise).overdue is False
    assert deadline(items[fresh], now, promise).left > timedelta(days=1)
    assert deadline(items[late], now, promise).overdue
    assert [i.reference for i, _d in overdue(items.values(), now, promise)] == [late, later]  # longest first


def test_the_inbox_order_puts_the_least_time_left_first(session, coordinators, inquiry_data):
    now = datetime.now(timezone.utc)
    refs = {}
    for name, age, status in (("new_old", 9, None), ("new_fresh", 0.1, None), ("review_mid", 3, "in_review"),
                              ("closed_oldest", 12, "closed"), ("answered_new", 0.01, None)):
        refs[name] = referrals.submit_inquiry(session, inquiry_data(conversation_id=name),
                                              now=now - timedelta(days=age))
        if status:
            referrals.set_status(session, refs[name], status, by="anna")
    referrals.reply_to_patient(session, refs["answered_new"], "Done.", by="anna")
    due = [i.reference for i in referrals.list_inquiries(session, order="due")]
    assert due == [refs[n] for n in ("new_old", "review_mid", "new_fresh", "answered_new", "closed_oldest")]
    newest = [i.reference for i in referrals.list_inquiries(session, order="newest")]
    assert newest == [refs[n] for n in ("answered_new", "new_fresh", "review_mid", "new_old", "closed_oldest")]


def test_a_coordinator_lists_only_their_queues(session, coordinators, inquiry_data):
    mine = referrals.submit_inquiry(session, inquiry_data(conversation_id="a"))
    general = referrals.submit_inquiry(session, inquiry_data(conversation_id="b", recommended_unit_id=None))
    other = referrals.submit_inquiry(session, inquiry_data(conversation_id="c", recommended_unit_id="smc_x"))
    assigned = referrals.submit_inquiry(session, inquiry_data(conversation_id="d", recommended_unit_id="smc_x"))
    referrals.assign(session, assigned, "ben", by="anna")
    ben = referrals.get_coordinator(session, "ben")
    seen = {i.reference for i in referrals.list_inquiries(session, viewer=ben)}
    assert seen == {mine, general, assigned}
    assert referrals.count_inquiries(session, viewer=ben) == 3
    assert referrals.count_inquiries(session) == 4
    try:
        referrals.view_inquiry(session, other, by="ben")
    except referrals.NotPermitted:
        pass
    else:
        raise AssertionError("ben opened another unit's inquiry")
    assert referrals.view_inquiry(session, other, by="anna").reference == other


def test_existing_accounts_become_administrators_when_roles_arrive(database_url):
    """A database made before roles: its accounts table lacks role and email; create_schema adds them and
    the existing accounts keep managing everything."""
    from sqlalchemy import inspect, text

    from settings.database import make_engine

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            key = "SERIAL PRIMARY KEY" if engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
            connection.execute(text(
                f"CREATE TABLE referral_coordinators (id {key}, username VARCHAR(40) NOT NULL UNIQUE, "
                "display_name VARCHAR(120) NOT NULL, password_hash VARCHAR(255) NOT NULL, active BOOLEAN NOT NULL, "
                "created_at TIMESTAMP NOT NULL, last_sign_in_at TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO referral_coordinators (username, display_name, password_hash, active, created_at) "
                "VALUES ('kim', 'Coordinator Kim', 'x', TRUE, '2026-11-01 09:00:00')"))
        referrals.create_schema(engine)
        referrals.create_schema(engine)  # a second start changes nothing
        columns = {c["name"] for c in inspect(engine).get_columns("referral_coordinators")}
        assert {"role", "email"} <= columns
        with Session(engine, future=True) as session:
            kim = referrals.get_coordinator(session, "kim")
            assert (kim.role, kim.email, kim.unit_ids) == ("administrator", None, ())
            newcomer = referrals.create_coordinator(session, "lee", "a long password here", "Lee", by="kim")
            assert newcomer.role == "coordinator"  # an administrator exists already
    finally:
        engine.dispose()


def test_the_patient_is_told_the_promise_with_the_reference(monkeypatch):
    from actions.inquiry_submission import response_promise, sent_text

    monkeypatch.setenv("RESPONSE_TARGET_WORKING_DAYS", "3")
    monkeypatch.delenv("OFFICE_HOLIDAYS", raising=False)
    text = response_promise(kst(2026, 12, 4, 16, 5))  # a Friday afternoon
    assert text == ("The international office promises an answer within 3 working days: "
                    "by Wednesday 9 December, 16:05 Korea time.")
    message = sent_text("KR-ABCDEFGHJK", None)
    assert "**KR-ABCDEFGHJK**" in message and "promises an answer within 3 working days" in message
