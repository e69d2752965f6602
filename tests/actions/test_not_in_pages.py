"""The "pages don't say" answer: plain, with a coordinator, and no facts of another kind in its place."""
from __future__ import annotations

import asyncio

from actions.not_in_pages import ActionAnswerNotInPages
from knowledge.not_in_pages import unanswered_kinds
from messages import catalog
from tests.actions.conftest import make_tracker, run_action


def test_every_kind_has_a_phrase():
    phrases = {message_id.removeprefix("not_in_pages.kind.") for message_id in catalog()
               if message_id.startswith("not_in_pages.kind.")}
    assert {kind.id for kind in unanswered_kinds()} == phrases


def test_a_transplant_cost_gets_no_transplant_facts_but_a_coordinator():
    tracker = make_tracker("how much does a bone marrow transplant cost in Seoul?", "ask_not_in_pages")
    reply, slots = asyncio.run(run_action(ActionAnswerNotInPages(), tracker))
    assert "give no information on prices" in reply.text
    assert "3,200" not in reply.text and "Source" not in reply.text
    assert any(button["payload"] == "/request_referral" for button in reply.buttons)
    assert reply.meta["topic"] == "not_in_pages:cost"
    assert slots == {}


def test_an_intent_guessed_without_a_known_kind_offers_the_topics_instead():
    tracker = make_tracker("tell me more please", "ask_not_in_pages", confidence=0.5)
    reply, _ = asyncio.run(run_action(ActionAnswerNotInPages(), tracker))
    assert "give no information" not in reply.text
    assert reply.buttons and reply.meta["declined"] is True
