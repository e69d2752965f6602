"""The language a conversation is held in: the patient's, kept from message to message.

Each message's language is named by the NLU (nlu_components/language_detector.py: parse data `language`,
None when a message is too short or mixed to tell). A language the patient chose in the widget travels
in the message's metadata (`language`) and wins over what was detected. The conversation's language is
the one of the latest message that names one; an undecided message ("CAR-T?", a reference, a name)
keeps the one before it. The `language` slot records it when an action speaks in it, so that it
survives the store's compaction of old events (server/compaction.py keeps slots, not old messages).
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from languages import DEFAULT_LANGUAGE, LANGUAGES

SLOT = "language"


def _named(value: Any) -> str | None:
    return value if value in LANGUAGES else None


def message_language(user_event: dict[str, Any]) -> str | None:
    """The language one user event names: the widget's choice, else the detected one, else None."""
    return (_named((user_event.get("metadata") or {}).get(SLOT))
            or _named((user_event.get("parse_data") or {}).get(SLOT)))


def conversation_language(tracker: Tracker) -> str:
    """The language to answer in: the latest message's, else the latest one an earlier message or the
    slot named, else English."""
    latest = message_language({"parse_data": tracker.latest_message,
                               "metadata": (tracker.latest_message or {}).get("metadata")})
    if latest:
        return latest
    for event in reversed(tracker.events or []):
        if event.get("event") == "user" and (named := message_language(event)):
            return named
        if event.get("event") == "slot" and event.get("name") == SLOT and (named := _named(event.get("value"))):
            return named
    return _named(tracker.get_slot(SLOT)) or DEFAULT_LANGUAGE


def remember_language(tracker: Tracker, language: str) -> list[EventType]:
    """A SlotSet for `language` when the slot does not hold it yet."""
    return [] if tracker.get_slot(SLOT) == language else [SlotSet(SLOT, language)]
