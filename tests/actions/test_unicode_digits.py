"""Unicode digits in messages and entities never crash an action: "²".isdigit() is true but int("²")
fails, so ages are read with `whole_number` (decimal digits of any script, nothing else)."""
from __future__ import annotations

import asyncio

import pytest

from actions.context import patient_cue, whole_number
from actions.knowledge_answers import ActionAnswerTopic
from actions.routing import ActionHandlePatientInfo, ActionRoutePatient
from actions.safety import ActionOfferTopics
from knowledge.matcher import get_matcher
from tests.actions.conftest import entity, make_tracker, run_action

# digits to isdigit() or isnumeric() that are no decimal number ...
NOT_NUMBERS = ["²", "³", "¹²", "③", "⑫", "½"]
# ... and every such character beside decimal digits, of any script (they may be read as a number)
ODD_DIGITS = [*NOT_NUMBERS, "𝟕", "7²", "٣²"]


@pytest.mark.parametrize("text, expected", [
    ("7", 7), (" 45 ", 45), ("١٢", 12), ("०९", 9), ("²", None), ("③", None), ("½", None), ("7²", None), ("", None),
    (None, None), ("-3", None), ("4.5", None),
])
def test_whole_number(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_an_odd_age_entity_is_no_age(value):
    tracker = make_tracker(f"my son is {value} years old", "inform_patient", [entity("age", value)])
    assert patient_cue(tracker).age is None


@pytest.mark.parametrize("value", ODD_DIGITS)
@pytest.mark.parametrize("action, intent", [(ActionRoutePatient(), "ask_route"),
                                            (ActionHandlePatientInfo(), "inform_patient"),
                                            (ActionAnswerTopic(), "ask_transplant"),
                                            (ActionOfferTopics(), "nlu_fallback")])
def test_routing_and_answers_survive_odd_digits(action, intent, value):
    message = f"my daughter is {value} and has leukemia"
    tracker = make_tracker(message, intent, [entity("age", value, message=message),
                                             entity("condition", "leukemia", message=message)],
                           condition="leukemia", patient_age=float("nan"))
    reply, _ = asyncio.run(run_action(action, tracker))
    assert reply.text, "the action answered"


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_the_term_matcher_survives_odd_digits(value):
    """The NLU pipeline's term extractor parses every message: a crash there fails the whole turn."""
    cue = get_matcher().age_cue(f"my son is {value} years old")
    assert cue.relation == "son"
    if value in NOT_NUMBERS:
        assert cue.age is None and get_matcher().age_cue(value).age is None
