"""The guard that sends questions of a kind the pages never answer to `ask_not_in_pages`: it redirects
questions only, keeps what the classifier declined or what is not a question, and the safety guard
after it still wins."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.not_in_pages_guard import NotInPagesGuard
from nlu_components.safety_guard import SafetyGuard


def classified(text: str, intent: str, confidence: float = 0.7) -> Message:
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": confidence},
                         INTENT_RANKING_KEY: [{"name": intent, "confidence": confidence}]})


def guarded(text: str, intent: str) -> str:
    [message] = NotInPagesGuard().process([classified(text, intent)])
    return message.get(INTENT)["name"]


@pytest.mark.parametrize(("text", "intent"), [
    ("how much would a cord blood transplant cost us", "ask_transplant"),
    ("the success rate of Mohs surgery at the skin cancer center?", "ask_mohs_surgery"),
    ("the hospital's address please, we come by taxi", "ask_contact"),
    ("what is the survival rate of CAR-T therapy", "request_diagnosis"),
    ("waiting time for a biopsy at the skin center", "nlu_fallback"),
    # declined as out of domain, yet about care: "the pages don't say", not "outside what I can help with"
    ("is the international clinic open on sundays?", "out_of_scope"),
    # asked while offering records: the question is answered, its coordinator button starts the inquiry
    ("if I email the slides, how many days until the second opinion?", "request_referral"),
    ("can we pay the hospital deposit with a credit card?", "out_of_scope"),
])
def test_a_question_read_as_a_topic_becomes_ask_not_in_pages(text, intent):
    assert guarded(text, intent) == "ask_not_in_pages"


@pytest.mark.parametrize(("text", "intent"), [
    ("how much is a nose job in Busan", "out_of_scope"),              # declined stays declined
    ("how much is my electricity bill", "nlu_fallback"),              # not about care at all
    ("I want to send an inquiry about the cost of treatment", "request_referral"),
    ("what is the status of my request about prices", "check_inquiry_status"),
    ("how many transplants have they done", "ask_figures"),           # a fact the pages give
    ("/ask_transplant", "ask_transplant"),                            # a button
])
def test_other_messages_keep_their_intent(text, intent):
    assert guarded(text, intent) == intent


def test_the_ranking_puts_the_redirected_intent_first_and_keeps_the_classifiers():
    [message] = NotInPagesGuard().process([classified("how much does chemo cost", "ask_chemo_radiation", 0.8)])
    names = [entry["name"] for entry in message.get(INTENT_RANKING_KEY)]
    assert names == ["ask_not_in_pages", "ask_chemo_radiation"]


def test_a_red_flag_in_the_same_message_still_wins():
    text = "how much does the treatment cost, my son has a high fever after chemo today"
    [message] = NotInPagesGuard().process([classified(text, "ask_chemo_radiation")])
    assert message.get(INTENT)["name"] == "ask_not_in_pages"
    [message] = SafetyGuard.create({}, None, None, None).process([message])
    assert message.get(INTENT)["name"] == "emergency"
