"""Emergencies in the patient's language through the real bot (REST channel, action server): the NLU's
language of each message reaches the actions, and an undecided message keeps the conversation's."""
from __future__ import annotations

import re
import uuid

import pytest

from messages import say
from tests.conftest import text_of

pytestmark = pytest.mark.servers


def test_a_korean_emergency_is_answered_in_korean_and_an_undecided_one_stays_korean(running_bot):
    sender = f"test-{uuid.uuid4()}"
    first = text_of(running_bot.send(sender, "시어머니가 항암 끝나고 열이 펄펄 나요"))
    assert first.startswith(say("emergency.answer", locale="ko").splitlines()[0])
    # "CAR-T 39.5 help": a code, a reading and one English word tell no language; the fever is English's
    second = text_of(running_bot.send(sender, "CAR-T 39.5 help"))
    assert say("emergency.answer", locale="ko") in second


def test_an_arabic_emergency_is_answered_in_arabic_with_119_first(running_bot):
    text = text_of(running_bot.send(f"test-{uuid.uuid4()}", "زوجي ما يقدر يتنفس"))
    assert say("emergency.answer", locale="ar") in text
    assert text.index("119") < text.index("109")


@pytest.mark.parametrize(("text", "script"), [
    ("우리 아이가 백혈병 진단을 받았는데 어디로 가야 하나요", "[가-힣]"),
    ("Здравствуйте, у моей мамы лимфома, куда нам обратиться?", "[а-яА-Я]"),
    ("我父亲得了肺癌，应该去哪个科室？", "[\u4e00-\u9fff]"),
])
def test_a_message_in_another_language_is_answered_in_that_language(running_bot, text, script):
    """The bot's own sentences (a fallback, an offer, a lead-in) come from that language's catalog,
    whatever the English classifier made of the message."""
    replies = running_bot.send(f"test-{uuid.uuid4()}", text)
    first = next(reply["text"] for reply in replies if reply.get("text"))
    assert re.search(script, first), first
