"""Sending the inquiry when the database is not writable, and "send it" arriving twice, over the REST
channel of the running bot (SQLite): one inquiry per form, a reference only when it was stored, and no
message contradicting another.

The lock is a real one: a second sqlite3 connection holds `BEGIN EXCLUSIVE` on the bot's database
file while "send it" is sent, for a little longer than the database timeout the bot's processes use
(DATABASE_TIMEOUT_SECONDS), so the action's write fails well before the widget's 30 s.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid

import pytest
from sqlalchemy import column, func, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from referrals import Inquiry, submit_once
from settings import load_settings
from settings.database import make_engine
from tests.conftest import text_of

pytestmark = pytest.mark.servers
REFERENCE = re.compile(r"KR-[0-9A-Z]{10}")
# The answers of a complete inquiry, in the order the form asks for them.
ANSWERS = ["I agree", "I am the patient", "Kamila Yusupova", "44", "Uzbekistan", "Russian",
           "ovarian cancer, operated last year", "it came back after treatment", "treatment and a clinical trial",
           "all of them", "no plans yet", "kamila.y@example.uz"]
SAVE_FAILED = "couldn't save"


def reach_summary(bot) -> str:
    """A new conversation with every question of the inquiry answered; its sender id."""
    sender = f"fault-{uuid.uuid4()}"
    assert "consent" in text_of(bot.send(sender, "we want treatment in Korea, how do we apply?")).lower()
    for answer in ANSWERS:
        reply = text_of(bot.send(sender, answer))
    assert "Shall I send it" in reply, reply
    return sender


def inquiries_of(bot, sender: str) -> list[str]:
    with Session(make_engine(bot.database_url)) as session:
        return list(session.execute(select(Inquiry.reference).where(Inquiry.conversation_id == sender)).scalars())


def database_file(bot) -> str:
    url = make_url(bot.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the lock is an SQLite file lock")
    return url.database


def send_in_background(bot, sender: str, message: str) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def post() -> None:
        started = time.monotonic()
        try:
            result["replies"] = bot.send(sender, message, timeout=90)
        except Exception as error:  # noqa: BLE001 - the test reports what went wrong
            result["error"] = repr(error)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=post)
    thread.start()
    return thread, result


def test_a_locked_database_fails_cleanly_and_the_retry_stores_one_inquiry(running_bot):
    sender = reach_summary(running_bot)
    timeout = load_settings().database_timeout_seconds
    lock = sqlite3.connect(database_file(running_bot), timeout=30, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        thread, result = send_in_background(running_bot, sender, "send it")
        time.sleep(timeout + 3)  # longer than the bot waits for a write
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    thread.join(timeout=60)
    assert "replies" in result, result
    first = text_of(result["replies"])
    assert result["seconds"] < 30, "answered before the widget gives up"
    assert SAVE_FAILED in first and "send it" in first, first
    assert not REFERENCE.search(first), "no reference for an inquiry that was not stored"
    assert inquiries_of(running_bot, sender) == []

    retry = text_of(running_bot.send(sender, "send it"))
    stored = inquiries_of(running_bot, sender)
    assert len(stored) == 1 and stored[0] in retry, retry
    assert SAVE_FAILED not in retry and "consent" not in retry.lower()

    again = text_of(running_bot.send(sender, "send it"))  # the widget's retry after the answer was slow
    assert stored[0] in again and "already been sent" in again and "consent" not in again.lower()
    assert inquiries_of(running_bot, sender) == stored, "still one inquiry"


def submission_key(bot, sender: str) -> str:
    """The form's key, as Rasa's tracker store holds it (set when the patient consented)."""
    events = table("events", column("sender_id"), column("data"))
    with Session(make_engine(bot.database_url)) as session:
        rows = session.execute(select(events.c.data).where(events.c.sender_id == sender)).scalars()
        keys = [event.get("value") for event in map(json.loads, rows)
                if event.get("event") == "slot" and event.get("name") == "inquiry_submission_key" and event.get("value")]
    assert keys, "the consent made a submission key"
    return keys[-1]


def test_a_write_that_committed_after_all_is_not_stored_twice(running_bot):
    """The inquiry of this form was stored, but the patient never saw the answer (it came too late, or
    the action's reply was lost): "send it" again returns that inquiry's reference."""
    sender = reach_summary(running_bot)
    data = {"consent": True, "conversation_id": sender, "writer": "patient", "patient_name": "Kamila Yusupova",
            "age_or_birth_date": "44", "country": "Uzbekistan", "language": "Russian", "diagnosis": "ovarian cancer",
            "stage": "relapsed", "wants": ["treatment"], "contact_email": "kamila.y@example.uz"}
    earlier = submit_once(make_engine(running_bot.database_url), submission_key(running_bot, sender), data)
    reply = text_of(running_bot.send(sender, "send it"))
    assert earlier in reply and SAVE_FAILED not in reply
    assert inquiries_of(running_bot, sender) == [earlier]
    with Session(make_engine(running_bot.database_url)) as session:
        total = session.execute(select(func.count()).select_from(Inquiry)
                                .where(Inquiry.conversation_id == sender)).scalar_one()
    assert total == 1
