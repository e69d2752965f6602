"""Every answer in the conversation's language; the emergency answer (actions/conversation_language.py,
actions/safety.py): the latest message's language, kept through undecided messages, the widget's choice
first, the slot when older messages were compacted away, English when nothing names one."""
from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Tracker

from actions.conversation_language import conversation_language
from actions.safety import ActionEmergency, ActionOfferTopics
from messages import say, speaking, spoken_locale
from tests.actions.conftest import run_action


def tracker(text: str, language: str | None, events: list[dict[str, Any]] = (), slot: str | None = None,
            metadata: dict[str, Any] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": "emergency", "confidence": 1.0}, "entities": [],
              "language": language, "metadata": metadata or {}}
    user = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
    return Tracker("test-sender", {"language": slot}, latest, [*events, user], False, None, {}, "action_listen")


def earlier(text: str, language: str | None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"text": text, "language": language}}


def test_a_korean_emergency_is_answered_in_korean_with_119_first_and_the_language_is_kept():
    reply, slots = asyncio.run(run_action(ActionEmergency(), tracker("항암 후에 열이 39도예요", "ko")))
    assert reply.text == say("emergency.answer", locale="ko")
    assert reply.text.index("119") < len(reply.text.splitlines()[0])
    assert reply.meta["emergency"] is True
    assert slots == {"language": "ko"}


def test_an_undecided_message_keeps_the_language_of_the_earlier_ones():
    events = [earlier("Здравствуйте, у мамы лимфома", "ru"), earlier("KCR-2026-00417", None)]
    reply, slots = asyncio.run(run_action(ActionEmergency(), tracker("39.4 CAR-T!!", None, events)))
    assert reply.text == say("emergency.answer", locale="ru")
    assert slots == {"language": "ru"}


def test_the_widgets_choice_wins_over_the_detected_language():
    assert conversation_language(tracker("my mother has fever after chemo", "en", metadata={"language": "ar"})) == "ar"


def test_the_slot_holds_the_language_when_the_earlier_messages_are_gone():
    assert conversation_language(tracker("38.9", None, slot="mn")) == "mn"
    _, slots = asyncio.run(run_action(ActionEmergency(), tracker("38.9", None, slot="mn")))
    assert slots == {}  # already recorded


def test_english_when_nothing_names_a_language():
    reply, slots = asyncio.run(run_action(ActionEmergency(), tracker("HELP", None)))
    assert reply.text == say("emergency.answer") and "119" in reply.text.splitlines()[0]
    assert slots == {}  # an empty slot means English


def test_every_action_speaks_the_conversations_language():
    """Not only the emergency: the offer of topics after a message the bot could not read is Korean too,
    and the same action speaks English in an English conversation."""
    korean = tracker("우리 아이가 백혈병이에요", "ko")
    korean.latest_message["intent"] = {"name": "nlu_fallback", "confidence": 0.3}
    reply, slots = asyncio.run(run_action(ActionOfferTopics(), korean))
    assert re.search("[가-힣]", reply.text) and slots == {"language": "ko"}
    english = tracker("my child has leukemia", "en")
    english.latest_message["intent"] = {"name": "nlu_fallback", "confidence": 0.3}
    reply, _ = asyncio.run(run_action(ActionOfferTopics(), english))
    assert not re.search("[가-힣]", reply.text)


def test_concurrent_conversations_each_keep_their_own_language():
    async def two_at_once():
        async def one(language: str) -> str:
            with speaking(language):
                await asyncio.sleep(0.01)  # the other conversation runs meanwhile
                return say("utter_anything_else")
        return await asyncio.gather(one("ru"), one("zh"), one("en"))

    assert asyncio.run(two_at_once()) == [say("utter_anything_else", locale) for locale in ("ru", "zh", "en")]
    assert spoken_locale() == "en"  # nothing leaks out of a conversation
