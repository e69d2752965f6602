"""Deleting the data from inside the conversation that made the inquiry, over REST with the running bot
(endpoints.yml's tracker store): the transcript stays deleted right after "Done" and after one more turn,
while the conversation itself goes on."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from referrals import get_inquiry
from referrals.transcript import events
from settings.database import make_engine
from tests.privacy.personal_data import register

pytestmark = pytest.mark.servers
REFERENCE = re.compile(r"KR-[0-9A-Z]{10}")
NAME = "Saule Zhanibekova"
DIAGNOSIS = "acute myeloid leukemia, diagnosed in Almaty last March"
EMAIL = "saule.zhanibek@example.kz"
PHONE = "+7 701 555 0199"
register(NAME, DIAGNOSIS, EMAIL, PHONE)
# the answers of a complete inquiry, in the order the form asks for them (as tests/integration's)
ANSWERS = [
    ("I agree", "writing for someone"),
    ("I'm writing for my mother", "related to the patient"),
    ("Son or daughter", "full name"),
    (NAME, "How old"),
    ("63", "country"),
    ("Kazakhstan", "language"),
    ("Russian", "diagnosis"),
    (DIAGNOSIS, "Where is the patient in their care"),
    ("treated", "What would you like"),
    ("a second opinion and maybe a transplant", "share"),
    ("records and CT scans", "travel plans"),
    ("we could come in May with my brother", "reach you"),
    (f"{EMAIL}, {PHONE}", "Shall I send it"),
]


def stored_events(database_url: str, sender: str) -> list[tuple[str, str]]:
    """(type, data) of the conversation's rows in Rasa's events table, oldest first."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(events.c.type_name, events.c.data)
                                  .where(events.c.sender_id == sender).order_by(events.c.id)).all()
    engine.dispose()
    return [(type_name, data) for type_name, data in rows]


def personal_data_in(rows: list[tuple[str, str]]) -> list[str]:
    found = []
    for _type, data in rows:
        text = json.dumps(json.loads(data)).lower()
        digits = re.sub(r"\D", "", text)
        found += [value for value in (NAME, DIAGNOSIS, EMAIL, "zhanibek") if value.lower() in text]
        if re.sub(r"\D", "", PHONE) in digits:
            found.append(PHONE)
    return found


def test_deleting_in_the_same_conversation_leaves_no_trace_in_the_tracker_store(running_bot):
    sender = f"privacy-{uuid.uuid4()}"
    text = running_bot.texts(sender, "I would like to come to Korea for treatment")
    assert "consent" in text.lower(), text
    for answer, next_question in ANSWERS:
        text = running_bot.texts(sender, answer)
        assert next_question.lower() in text.lower(), (answer, text)
    reference = REFERENCE.search(running_bot.texts(sender, "send it")).group(0)
    assert personal_data_in(stored_events(running_bot.database_url, sender)), "stored before the deletion"

    running_bot.texts(sender, f"please delete my data, reference {reference}")
    done = running_bot.texts(sender, EMAIL)
    assert "deleted" in done, done
    rows = stored_events(running_bot.database_url, sender)
    assert personal_data_in(rows) == []
    assert any(type_name == "bot" and "deleted" in data for type_name, data in rows), (
        "the turn after the erasure is stored: the configured store is in use and the conversation goes on")

    reply = running_bot.texts(sender, "thank you")
    assert reply
    later = stored_events(running_bot.database_url, sender)
    assert personal_data_in(later) == []
    assert len(later) > len(rows) and any(json.loads(data).get("text") == "thank you" for _t, data in later)
    with Session(make_engine(running_bot.database_url)) as session:
        inquiry = get_inquiry(session, reference)
        assert inquiry.is_deleted and inquiry.conversation_id == sender and inquiry.patient_name is None
