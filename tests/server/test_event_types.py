"""The remembered event-class look-up (server/event_types.py): the same class as Rasa's for every event
name, Rasa's own answer for unknown names and defaults, and no walk over Event's subclasses once known."""
from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from server import event_types


def test_it_is_installed_by_the_tracker_store():
    import server.tracker_store  # noqa: F401 - what every Rasa server of the project loads

    assert event_types.installed()


def test_every_event_name_gives_rasas_class():
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert {"user", "slot", "action", "bot"} <= names
    for name in names:
        assert event_types.resolve_by_type(name) is event_types._ORIGINAL(name)


def test_unknown_names_and_defaults_are_rasas_answers():
    with pytest.raises(ValueError, match="Unknown event name"):
        event_types.resolve_by_type("no_such_event")
    assert event_types.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert event_types.resolve_by_type("topic") is None


def test_a_known_name_does_not_walk_the_subclasses_again(monkeypatch):
    event_types.install()
    assert Event.resolve_by_type("user") is UserUttered   # remembered now
    assert Event.resolve_by_type("action") is ActionExecuted

    def fail(_cls):
        raise AssertionError("all_subclasses walked again")

    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", fail)
    assert Event.resolve_by_type("user") is UserUttered
    restored = Event.from_parameters({"event": "action", "name": "action_listen"})
    assert isinstance(restored, ActionExecuted) and restored.action_name == "action_listen"
