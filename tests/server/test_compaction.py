"""A long conversation is loaded as its recent turns plus a snapshot of its state (server/compaction.py
through server/tracker_store.py), on SQLite and PostgreSQL: the same slots and form as the whole
conversation gives, every event stored exactly once and never the snapshot, and erasure still holds."""
from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, AllSlotsReset, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server.compaction import COMPACTED, is_snapshot
from server.tracker_store import ErasureAwareTrackerStore
from tests.server.test_tracker_store import erase, personal_values_in, stored
from tests.privacy.personal_data import sample_inquiry

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  condition:
    type: text
    mappings: [{type: custom}]
  patient_name:
    type: text
    mappings: [{type: custom}]
  turn_number:
    type: float
    mappings: [{type: custom}]
""")
SENDER = "long-conversation 7"


def make_store(database_url: str, keep_turns: int = 3) -> ErasureAwareTrackerStore:
    return ErasureAwareTrackerStore(domain=DOMAIN, host=database_url, keep_turns=keep_turns)


def load(store: ErasureAwareTrackerStore, sender: str = SENDER) -> DialogueStateTracker:
    return asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, DOMAIN.slots)


def play_turn(store: ErasureAwareTrackerStore, number: int, extra: list | None = None,
              sender: str = SENDER) -> DialogueStateTracker:
    """One message handled as Rasa's processor does: load, append the turn's events, save."""
    tracker = load(store, sender)
    tracker.update(UserUttered(f"message {number}"))
    for event in [SlotSet("turn_number", float(number)), *(extra or []), ActionExecuted("action_answer"),
                  BotUttered(f"answer {number}"), ActionExecuted("action_listen")]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return tracker


@pytest.fixture()
def store(database_url):
    store = make_store(database_url)
    yield store
    store.engine.dispose()


def test_a_long_conversation_loads_its_recent_turns_and_every_slot(store, database_url):
    play_turn(store, 1, [SlotSet("condition", "leukemia")])   # set once, long before the kept turns
    for number in range(2, 21):
        play_turn(store, number)
    tracker = load(store)
    users = [event.text for event in tracker.events if isinstance(event, UserUttered)]
    assert users == ["message 18", "message 19", "message 20"]
    assert tracker.get_slot("condition") == "leukemia"
    assert tracker.get_slot("turn_number") == 20.0
    assert tracker.latest_message.text == "message 20"
    whole = asyncio.run(store.retrieve_full_tracker(SENDER))
    assert whole.current_slot_values() == tracker.current_slot_values()
    assert len(whole.events) > 2 * len(tracker.events)


def test_every_event_is_stored_once_and_the_snapshot_never(store, database_url):
    for number in range(1, 16):
        play_turn(store, number)
    rows = stored(database_url, SENDER)
    assert [row["text"] for row in rows if row["event"] == "user"] == [f"message {n}" for n in range(1, 16)]
    assert len(rows) == 15 * 5  # user, slot, action, bot, action_listen
    assert not [row for row in rows if COMPACTED in (row.get("metadata") or {})]


def test_the_snapshot_is_made_of_events_marked_as_such(store):
    for number in range(1, 8):
        play_turn(store, number)
    tracker = load(store)
    snapshot = [event for event in tracker.events if is_snapshot(event)]
    assert snapshot and all(is_snapshot(event) for event in list(tracker.events)[:len(snapshot)])
    assert isinstance(snapshot[-1], ActionExecuted) and snapshot[-1].action_name == "action_listen"


def test_an_active_form_and_a_reset_before_the_kept_turns_are_respected(store):
    play_turn(store, 1, [SlotSet("patient_name", "Old Name"), AllSlotsReset()])
    play_turn(store, 2, [ActiveLoop("referral_form")])
    for number in range(3, 10):
        play_turn(store, number)
    tracker = load(store)
    assert tracker.get_slot("patient_name") is None        # reset after it was set
    assert tracker.active_loop_name == "referral_form"
    play_turn(store, 10, [ActiveLoop(None)])
    assert load(store).active_loop_name is None


def test_keep_turns_zero_loads_every_event(database_url):
    store = make_store(database_url, keep_turns=0)
    try:
        for number in range(1, 10):
            play_turn(store, number)
        tracker = load(store)
        assert len([event for event in tracker.events if isinstance(event, UserUttered)]) == 9
        assert not [event for event in tracker.events if is_snapshot(event)]
    finally:
        store.engine.dispose()


def test_an_erasure_still_holds_in_a_long_conversation(store, database_url):
    data = sample_inquiry(SENDER)
    play_turn(store, 1, [SlotSet("patient_name", data["patient_name"])])
    for number in range(2, 9):
        play_turn(store, number)
    tracker = load(store)
    assert tracker.get_slot("patient_name") == data["patient_name"]
    erase(database_url, data)     # deletes the stored events while this turn's tracker is in memory
    tracker.update(UserUttered("delete my data"))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    assert not personal_values_in(stored(database_url, SENDER), data)
    for number in range(9, 14):
        play_turn(store, number)
    assert load(store).get_slot("patient_name") is None
    assert not personal_values_in(stored(database_url, SENDER), data)
