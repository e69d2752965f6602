"""The safety guard's patterns, and what the component does to a parsed message."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.safety_guard import SafetyGuard, guarded_intent, load_patterns

PATTERNS = load_patterns()


@pytest.mark.parametrize("text", [
    "my son has a fever of 38.5 after chemo",
    "she's on chemotherapy and feels feverish with chills",
    "I can't breathe",
    "my father is struggling to breathe",
    "my mom is suddenly confused and very sleepy",
    "he passed out in the bathroom",
    "chest pain since an hour",
    "she is bleeding heavily and it won't stop",
    "he is coughing up blood",
    "I want to kill myself",
    "I don’t want to live anymore",
    "my daughter has been cutting herself",
])
def test_red_flags_are_emergencies(text):
    assert guarded_intent(text, PATTERNS)[0] == "emergency"


@pytest.mark.parametrize("text", [
    "I have a dark mole that changed shape, is it melanoma?",
    "could this be cancer",
    "do I have leukemia?",
    "how long does my father have",
    "what are his chances of survival",
    "what stage is it",
    "should we choose chemo or surgery",
    "which treatment is best for my mother",
])
def test_requests_for_a_diagnosis_prognosis_or_decision_are_refused(text):
    assert guarded_intent(text, PATTERNS)[0] == "request_diagnosis"


@pytest.mark.parametrize("text", [
    "he has a fever",
    "she is confused about the donor types",
    "what is chemotherapy",
    "how many stem cell transplants have they done",
    "is it possible to get CAR-T at SNUH?",
    "do I have to bring my records?",
    "should I bring the biopsy slides",
    "Does SNUH treat blood cancer?",
])
def test_ordinary_questions_pass_through(text):
    assert guarded_intent(text, PATTERNS) is None


def test_an_emergency_wins_over_a_diagnosis_request():
    assert guarded_intent("is it cancer? he is coughing up blood", PATTERNS)[0] == "emergency"


def parsed(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence},
                                     {"name": "emergency", "confidence": 0.01}])
    return message


def test_the_component_forces_the_intent_and_keeps_the_ranking():
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([parsed("my wife can't breathe", "ask_route", 0.9)])
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "emergency" and [r["name"] for r in ranking].count("emergency") == 1
    assert ranking[1]["name"] == "ask_route"


def test_the_component_leaves_ordinary_messages_and_payloads_alone():
    guard = SafetyGuard(PATTERNS)
    ordinary, payload = guard.process([parsed("what is CAR-T", "ask_car_t", 0.8),
                                       parsed("/ask_route", "ask_route", 1.0)])
    assert ordinary.get(INTENT)["name"] == "ask_car_t"
    assert payload.get(INTENT)["name"] == "ask_route"


def test_a_diagnosis_pattern_never_lowers_an_emergency():
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([parsed("is it cancer, she collapsed?", "emergency", 0.7)])
    assert message.get(INTENT)["name"] == "emergency"
