"""The daily digest of overdue inquiries: who gets which, in what order, once a day, without personal
or medical details; from the command line too."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

import referrals
from notifications.delivery import digest_due
from notifications.events import queue_digest
from notifications.outbox import OutboxMessage
from referrals.deadlines import KST
from settings import PROJECT_ROOT


def seed(engine, inquiry_data, now: datetime) -> dict[str, str]:
    refs = {
        "mine_late": referrals.submit_inquiry(engine, inquiry_data(conversation_id="a"), now=now - timedelta(days=9)),
        "other_later": referrals.submit_inquiry(engine, inquiry_data(
            conversation_id="b", recommended_unit_id="smc_gynecologic_cancer_center"), now=now - timedelta(days=12)),
        "fresh": referrals.submit_inquiry(engine, inquiry_data(conversation_id="c"), now=now - timedelta(hours=1)),
        "answered": referrals.submit_inquiry(engine, inquiry_data(conversation_id="d"), now=now - timedelta(days=20)),
    }
    with Session(engine, future=True) as session:
        referrals.reply_to_patient(session, refs["answered"], "Answered.", by="anna")
    return refs


def digests(engine) -> dict[str, OutboxMessage]:
    with Session(engine, future=True) as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "digest")).scalars()
        return {row.recipients[0]: row for row in rows}


def morning_in_korea() -> datetime:
    """10:00 Korea time today (yesterday before then), in UTC: an hour later is still the same Korea day,
    whatever time the test runs."""
    morning = datetime.now(KST).replace(hour=10, minute=0, second=0, microsecond=0)
    if morning > datetime.now(KST):
        morning -= timedelta(days=1)
    return morning.astimezone(timezone.utc)


def test_each_account_gets_the_overdue_inquiries_of_its_queues_once_a_day(engine, inquiry_data, personal_or_medical):
    now = morning_in_korea()
    refs = seed(engine, inquiry_data, now)
    with Session(engine, future=True) as session:
        assert len(queue_digest(session, now)) == 2
        assert queue_digest(session, now + timedelta(hours=1)) == []  # the same day (Korea): nothing more
    sent = digests(engine)
    day = now.astimezone(KST).date().isoformat()
    admin, ben = sent["anna@office.example"], sent["ben@office.example"]
    assert admin.subject == f"2 overdue referral inquiries ({day})"
    assert ben.subject == f"1 overdue referral inquiry ({day})"
    # the administrator sees both, the longest overdue first; ben only his unit's
    assert admin.body.index(refs["other_later"]) < admin.body.index(refs["mine_late"])
    assert refs["mine_late"] in ben.body and refs["other_later"] not in ben.body
    for text in (refs["fresh"], refs["answered"]):
        assert text not in admin.body
    assert f"https://console.example.org/inquiries/{refs['mine_late']}" in ben.body
    assert "overdue by 7 d" in ben.body or "overdue by 6 d" in ben.body or "overdue by 5 d" in ben.body
    for message in (admin, ben):
        for text in personal_or_medical:
            assert text.lower() not in (message.subject + message.body).lower(), text

    with Session(engine, future=True) as session:
        assert len(queue_digest(session, now + timedelta(days=1))) == 2  # the next day, again


def test_the_digest_hour(engine):
    nine = datetime(2026, 12, 1, 9, 0, tzinfo=KST)
    assert digest_due(nine - timedelta(minutes=1), 9, None) is None
    assert digest_due(nine, 9, None) == "2026-12-01"
    assert digest_due(nine + timedelta(hours=3), 9, "2026-12-01") is None  # done today
    assert digest_due(nine + timedelta(days=1), 9, "2026-12-01") == "2026-12-02"


def test_the_digest_from_the_command_line(engine, inquiry_data, database_url):
    seed(engine, inquiry_data, datetime.now(timezone.utc))
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT), "SMTP_HOST": ""}
    run = subprocess.run([sys.executable, "-m", "notifications", "digest"], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "queued the overdue digest for 2 accounts" in run.stdout
    listing = subprocess.run([sys.executable, "-m", "notifications", "list", "--state", "pending"], cwd=PROJECT_ROOT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and listing.stdout.count(" digest ") == 2
    once = subprocess.run([sys.executable, "-m", "notifications", "deliver", "--once"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert once.returncode == 0 and "0 sent" in once.stdout and "SMTP_HOST is not set" in once.stderr
