"""The language a conversation is held in: the patient's, kept from message to message.

Each message's language is named by the NLU (nlu_components/language_detector.py: parse data `language`,
None when a message is too short or mixed to tell). A language the patient chose in the widget travels
in the message's metadata (`language`) and wins over what was detected. The conversation's language is
the one of the latest message that names one; an undecided message ("CAR-T?", a reference, a name)
keeps the one before it. Every action call is run in it (`run_in_conversation_language`: the catalog's
messages in that language) and the `language` slot records it, so that it survives the store's
compaction of old events (server/compaction.py keeps slots, not old messages).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa_sdk import Tracker, utils
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from languages import DEFAULT_LANGUAGE, LANGUAGES, first_named
from messages import speaking

SLOT = "language"


def message_language(user_event: dict[str, Any]) -> str | None:
    """The language one user event names: the widget's choice, else the detected one, else None."""
    clues = ((user_event.get("metadata") or {}).get(SLOT), (user_event.get("parse_data") or {}).get(SLOT))
    return next((clue for clue in clues if clue in LANGUAGES), None)


def conversation_language(tracker: Tracker) -> str:
    """The language to answer in: the latest message's, else the latest one an earlier message or the
    slot named, else English."""
    return first_named(_clues(tracker))


def _clues(tracker: Tracker) -> Iterator[object]:
    yield message_language({"parse_data": tracker.latest_message,
                            "metadata": (tracker.latest_message or {}).get("metadata")})
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            yield message_language(event)
        elif event.get("event") == "slot" and event.get("name") == SLOT:
            yield event.get("value")
    yield tracker.get_slot(SLOT)


def remember_language(tracker: Tracker, language: str) -> list[EventType]:
    """A SlotSet for `language` when the slot does not hold it yet (an empty slot means English)."""
    held = tracker.get_slot(SLOT) or DEFAULT_LANGUAGE
    return [] if held == language else [SlotSet(SLOT, language)]


async def run_in_conversation_language(run: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: dict[str, Any]) -> list[EventType]:
    """Run one action call (`run`: an action's run method, as rasa_sdk's executor holds it) with every
    message it says in the conversation's language, and record that language in the slot (the action
    server calls every action through this)."""
    language = conversation_language(tracker)
    with speaking(language):
        events = await utils.call_potential_coroutine(run(dispatcher, tracker, domain))
    return [*(events or []), *remember_language(tracker, language)]
