"""Rasa's look-up of an event class by its name, remembered instead of recomputed for every event.

Rasa 3.6's `Event.resolve_by_type` walks every subclass of `Event` (recursively, checking each for
abstract methods) each time one event is read: for every event of a tracker loaded from the tracker
store and of every action server answer. Issue #14's profile of a loaded Rasa server showed that walk
(`all_subclasses`, `isabstract`) among its top own-time functions. `install()` puts a memo in front:
the first look-up of a name is Rasa's own, its class is remembered; unknown names (and the legacy
"topic", and a caller's default) always go to Rasa's function, so every answer and error is Rasa's.

Installed by server/tracker_store.py, which every Rasa server of this project loads from its endpoints
file; tests/server/test_event_types.py checks the memo answers as Rasa does.
"""
from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event

_ORIGINAL = Event.resolve_by_type
_KNOWN: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: Any = None) -> type[Event] | None:
    """Rasa's `Event.resolve_by_type`, remembering each name's class after its first look-up."""
    known = _KNOWN.get(type_name)
    if known is not None:
        return known
    try:
        found = _ORIGINAL(type_name)
    except ValueError:
        found = None
    if isinstance(found, type):
        _KNOWN[type_name] = found
        return found
    return _ORIGINAL(type_name, default)


def install() -> None:
    """Use the memo for every event read in this process (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)


def installed() -> bool:
    return Event.resolve_by_type is resolve_by_type
