"""The compiled check of action server answers (server/action_response_check.py): it accepts and refuses
what Rasa's own check does, never re-checks the schema per call, and the pinned Rasa still does what it
replaces."""
from __future__ import annotations

import inspect

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from server import action_response_check

VALID = {"events": [{"event": "slot", "name": "condition", "value": "leukemia"}],
         "responses": [{"text": "hello"}]}
INVALID = {"events": [{"event": "slot", "name": 7}], "responses": "not a list"}


@pytest.fixture()
def action() -> RemoteAction:
    return RemoteAction("action_answer_topic", None)


def test_rasas_check_is_what_it_replaces():
    source = inspect.getsource(action_response_check._ORIGINAL)
    assert "validate(result, self.action_response_format_spec())" in source


def test_it_is_installed_by_the_tracker_store():
    import server.tracker_store  # noqa: F401 - what every Rasa server of the project loads

    assert action_response_check.installed()


@pytest.mark.parametrize("result", [VALID, INVALID, {"events": "x"}, {}])
def test_same_verdict_and_message_as_rasa(action, result):
    def verdict(check):
        try:
            return check(action, result), None
        except jsonschema.ValidationError as error:
            return False, error.message

    assert verdict(action_response_check.validate_action_result) == verdict(action_response_check._ORIGINAL)


def test_the_schema_is_not_checked_again_per_call(action, monkeypatch):
    action_response_check.validate_action_result(action, VALID)   # builds the validator once
    validator_class = type(action_response_check._validator())

    def fail(*_args, **_kwargs):
        raise AssertionError("check_schema called again")

    monkeypatch.setattr(validator_class, "check_schema", classmethod(fail))
    monkeypatch.setattr(jsonschema, "validate", fail)
    assert action_response_check.validate_action_result(action, VALID) is True
    with pytest.raises(jsonschema.ValidationError):
        action_response_check.validate_action_result(action, INVALID)
