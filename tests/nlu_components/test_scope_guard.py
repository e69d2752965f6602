"""The scope guard: an out-of-scope guess that names a condition the hospitals treat becomes a routing
question; everything else passes through untouched."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.matcher import get_matcher
from nlu_components.knowledge_terms import KnowledgeTermExtractor
from nlu_components.scope_guard import ScopeGuard


def parse(text: str, intent: str, confidence: float = 0.64) -> dict:
    """`text` classified as `intent`, through the term extractor and the guard, as in the pipeline."""
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": confidence},
                            INTENT_RANKING_KEY: [{"name": intent, "confidence": confidence},
                                                 {"name": "ask_route", "confidence": 0.2}]})
    [message] = KnowledgeTermExtractor(get_matcher()).process([message])
    [message] = ScopeGuard(get_matcher()).process([message])
    return {"intent": message.get(INTENT), "ranking": message.get(INTENT_RANKING_KEY),
            "entities": message.get(ENTITIES)}


def test_an_out_of_scope_guess_naming_a_treated_cancer_becomes_a_routing_question():
    parsed = parse("where should I go for gastric cancer?", "out_of_scope")
    assert parsed["intent"] == {"name": "ask_route", "confidence": 0.64}
    assert [entry["name"] for entry in parsed["ranking"]] == ["ask_route", "out_of_scope"]


@pytest.mark.parametrize("text", ["a mole on my arm changed colour, who can look at it?",
                                  "my brother has a blood disorder, which doctors"])
def test_a_condition_named_by_its_category_word_counts_too(text):
    assert parse(text, "out_of_scope")["intent"]["name"] == "ask_route"


@pytest.mark.parametrize("text", [
    "where can I get knee replacement surgery in Seoul",   # a service word, no condition
    "I have migraine, what pill should I take?",           # a medical field the store does not cover
    "is this chat only for cancer?",                       # only the category word
    "what is the weather in Seoul",
])
def test_other_out_of_scope_messages_stay_out_of_scope(text):
    assert parse(text, "out_of_scope")["intent"]["name"] == "out_of_scope"


def test_other_intents_and_button_payloads_are_untouched():
    assert parse("my son has leukemia", "inform_patient")["intent"]["name"] == "inform_patient"
    assert parse("/out_of_scope", "out_of_scope")["intent"]["name"] == "out_of_scope"
