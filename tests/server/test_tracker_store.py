"""The tracker store that keeps erased conversations erased (server/tracker_store.py), with real Rasa
trackers on SQLite and PostgreSQL: what Rasa does after a deletion asked for in the same conversation
(save the in-memory tracker again), and that an ordinary conversation is stored exactly as Rasa does."""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

import referrals
from referrals.transcript import events
from server.tracker_store import ErasureAwareTrackerStore
from settings.database import make_engine
from tests.privacy.personal_data import sample_inquiry

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  patient_name:
    type: text
    mappings: [{type: custom}]
""")
SENDER = "web  chat 42"  # two spaces, kept exactly as Rasa received it


def stored(database_url: str, sender: str = SENDER) -> list[dict]:
    """The conversation's rows in Rasa's events table, oldest first, as their JSON data."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id))
        result = [json.loads(data) for (data,) in rows]
    engine.dispose()
    return result


def personal_turn(tracker: DialogueStateTracker, data: dict) -> None:
    """The patient gives their details; the bot repeats them in a summary (as the form does)."""
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(f"I am {data['patient_name']}, {data['contact_email']}: {data['diagnosis']}"))
    tracker.update(SlotSet("patient_name", data["patient_name"]))
    tracker.update(BotUttered(f"Summary: {data['patient_name']}, {data['diagnosis']}"))


def personal_values_in(rows: list[dict], data: dict) -> list[str]:
    dump = json.dumps(rows).lower()
    values = (data["patient_name"], data["contact_email"], data["diagnosis"])
    return [value for value in values if value.lower() in dump]


def erase(database_url: str, data: dict) -> None:
    """Submit the inquiry of this conversation and delete its personal data, as the patient would."""
    engine = make_engine(database_url)
    referrals.create_schema(engine)
    reference = referrals.submit_inquiry(engine, data)
    assert referrals.delete_personal_data(engine, reference, data["contact_email"])
    engine.dispose()


@pytest.fixture()
def store(database_url):
    store = ErasureAwareTrackerStore(domain=DOMAIN, host=database_url)
    yield store
    store.engine.dispose()


def test_an_erased_conversation_is_not_saved_again_and_goes_on(store, database_url):
    data = sample_inquiry(SENDER)
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    personal_turn(tracker, data)
    asyncio.run(store.save(tracker))
    assert personal_values_in(stored(database_url), data), "the details are stored before the erasure"

    erase(database_url, data)  # the action deletes the transcript while Rasa holds the tracker
    assert stored(database_url) == []
    tracker.update(BotUttered("Done: the personal data of that inquiry has been deleted."))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))  # Rasa saves the same in-memory tracker after the action
    asyncio.run(store.save(tracker))  # and a save with nothing new adds nothing
    rows = stored(database_url)
    assert personal_values_in(rows, data) == []
    assert [row["event"] for row in rows] == ["bot", "action"], "the turn after the erasure is kept, once"

    retrieved = asyncio.run(store.retrieve(SENDER))
    assert retrieved.get_slot("patient_name") is None
    retrieved.update(UserUttered("hello again"))
    asyncio.run(store.save(retrieved))
    rows = stored(database_url)
    assert [row.get("text") for row in rows if row["event"] in ("user", "bot")] == [
        "Done: the personal data of that inquiry has been deleted.", "hello again"]
    assert personal_values_in(rows, data) == []


def test_events_from_before_the_erasure_stored_by_another_writer_are_not_loaded(store, database_url):
    """A Rasa server still on `type: SQL` (or a turn racing a coordinator's erasure) may store old
    events after the erasure: they are neither loaded into the conversation nor counted when saving."""
    data = sample_inquiry(SENDER)
    old = DialogueStateTracker(SENDER, DOMAIN.slots)
    personal_turn(old, data)
    erase(database_url, data)
    rasa_store = SQLTrackerStore(domain=DOMAIN, host=database_url)
    asyncio.run(rasa_store.save(old))  # the old events, with their old timestamps, back in the table
    rasa_store.engine.dispose()

    retrieved = asyncio.run(store.retrieve(SENDER))
    assert retrieved is None, "nothing after the erasure yet"
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    tracker.update(UserUttered("a new question"))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))
    retrieved = asyncio.run(store.retrieve(SENDER))
    assert [event.as_dict() for event in retrieved.events] == [event.as_dict() for event in tracker.events]
    assert retrieved.get_slot("patient_name") is None


def test_rasas_own_store_saves_the_erased_events_again(database_url):
    """What this store prevents: the same steps with Rasa's SQLTrackerStore bring the details back."""
    rasa_store = SQLTrackerStore(domain=DOMAIN, host=database_url)
    data = sample_inquiry(SENDER)
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    personal_turn(tracker, data)
    asyncio.run(rasa_store.save(tracker))
    erase(database_url, data)
    tracker.update(BotUttered("Done."))
    asyncio.run(rasa_store.save(tracker))
    assert personal_values_in(stored(database_url), data)
    rasa_store.engine.dispose()


def test_an_ordinary_conversation_is_stored_as_rasa_stores_it(store, database_url):
    tracker = DialogueStateTracker("plain", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("hello"))
    asyncio.run(store.save(tracker))
    tracker.update(BotUttered("Hi!"))
    tracker.update(SlotSet("patient_name", "someone"))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))
    assert [row["event"] for row in stored(database_url, "plain")] == ["action", "user", "bot", "slot"]
    retrieved = asyncio.run(store.retrieve("plain"))
    assert [event.as_dict() for event in retrieved.events] == [event.as_dict() for event in tracker.events]


def test_an_erasure_of_another_conversation_changes_nothing_here(store, database_url):
    tracker = DialogueStateTracker("web chat 42", DOMAIN.slots)  # one space: another sender
    tracker.update(UserUttered("my own conversation"))
    asyncio.run(store.save(tracker))
    erase(database_url, sample_inquiry(SENDER))
    tracker.update(BotUttered("answer"))
    asyncio.run(store.save(tracker))
    assert [row.get("text") for row in stored(database_url, "web chat 42")] == ["my own conversation", "answer"]


def test_the_store_uses_the_projects_engine(store):
    assert store.engine.hide_parameters
    assert store.sessionmaker.kw["bind"] is store.engine
