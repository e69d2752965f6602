"""Erasure that holds, on SQLite and PostgreSQL: the inquiry keeps Rasa's sender id exactly, so the
transcript is found; the erasure is recorded with the deletion; the backstop purge removes only what
comes from before an erasure."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import referrals
from referrals import ValidationError
from referrals.erasures import Erasure, latest_erasure
from referrals.transcript import events
from settings.database import make_engine
from tests.privacy.personal_data import sample_inquiry

SENDER = "web  chat 7"  # two spaces, as some clients make sender ids


@pytest.fixture()
def engine(database_url):
    engine = make_engine(database_url)
    referrals.create_schema(engine)
    events.create(engine, checkfirst=True)
    yield engine
    engine.dispose()


def add_event(engine, sender: str, text: str, at: float) -> None:
    with engine.begin() as connection:
        connection.execute(events.insert().values(sender_id=sender, type_name="user", timestamp=at,
                                                  data=json.dumps({"event": "user", "text": text, "timestamp": at})))


def texts(engine, sender: str) -> list[str]:
    with Session(engine) as session:
        return [line.text for line in referrals.transcript(session, sender)]


@pytest.mark.parametrize("sender", [SENDER, " leading and trailing ", "Case-Kept_42", "tab\tinside"])
def test_the_inquiry_keeps_the_sender_id_exactly(engine, sender):
    reference = referrals.submit_inquiry(engine, sample_inquiry(sender))
    with Session(engine) as session:
        assert referrals.get_inquiry(session, reference).conversation_id == sender


@pytest.mark.parametrize("sender", ["", "   ", "x" * 256, "nul\x00inside", None, 42])
def test_an_unusable_sender_id_is_refused(sender):
    with pytest.raises(ValidationError) as raised:
        referrals.clean_field("conversation_id", sender)
    assert raised.value.field == "conversation_id"


def test_an_erasure_finds_the_transcript_of_a_sender_id_with_two_spaces(engine):
    data = sample_inquiry(SENDER)
    reference = referrals.submit_inquiry(engine, data)
    with Session(engine) as session:
        created = referrals.get_inquiry(session, reference).created_at.timestamp()
    add_event(engine, SENDER, f"I am {data['patient_name']}", created - 60)
    add_event(engine, "web chat 7", "another conversation", created - 60)
    assert referrals.delete_personal_data(engine, reference, data["contact_phone"])
    assert texts(engine, SENDER) == []
    assert texts(engine, "web chat 7") == ["another conversation"]


def test_the_erasure_is_recorded_with_the_deletion(engine):
    data = sample_inquiry(SENDER)
    reference = referrals.submit_inquiry(engine, data)
    with Session(engine) as session:
        assert latest_erasure(session, SENDER) is None
    assert referrals.delete_personal_data(engine, reference, data["contact_email"])
    with Session(engine) as session:
        inquiry = referrals.get_inquiry(session, reference)
        rows = session.execute(select(Erasure.conversation_id, Erasure.erased_at)).all()
        assert rows == [(SENDER, inquiry.personal_data_deleted_at)]
        assert latest_erasure(session, SENDER) == inquiry.personal_data_deleted_at.timestamp()


def test_a_coordinators_erasure_is_recorded_too(engine):
    reference = referrals.submit_inquiry(engine, sample_inquiry(SENDER))
    with Session(engine) as session:
        referrals.create_coordinator(session, "kim", "a-long-password-1", "Coordinator Kim", role="administrator")
        referrals.erase_personal_data(session, reference, by="kim")
        assert latest_erasure(session, SENDER) is not None


def test_the_backstop_purge_keeps_the_conversation_that_goes_on(engine):
    data = sample_inquiry(SENDER)
    reference = referrals.submit_inquiry(engine, data)
    assert referrals.delete_personal_data(engine, reference, data["contact_email"])
    with Session(engine) as session:
        erased = referrals.get_inquiry(session, reference).personal_data_deleted_at.timestamp()
    add_event(engine, SENDER, f"re-saved: {data['diagnosis']}", erased - 5)  # a store without the check
    add_event(engine, SENDER, "a question right after Done", erased + 10)
    with Session(engine) as session:
        assert referrals.purge_deleted_transcripts(session) == 1
    assert texts(engine, SENDER) == ["a question right after Done"]


def test_the_backstop_purge_covers_inquiries_erased_before_erasures_were_recorded(engine):
    data = sample_inquiry(SENDER)
    reference = referrals.submit_inquiry(engine, data)
    assert referrals.delete_personal_data(engine, reference, data["contact_email"])
    with Session(engine) as session:
        session.execute(delete(Erasure))
        session.commit()
        erased = referrals.get_inquiry(session, reference).personal_data_deleted_at
    add_event(engine, SENDER, "re-saved", (erased - timedelta(seconds=5)).timestamp())
    with Session(engine) as session:
        assert referrals.purge_deleted_transcripts(session) == 1
    assert texts(engine, SENDER) == []
