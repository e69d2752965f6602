"""Emergencies in the patient's language through the real bot (REST channel, action server): the NLU's
language of each message reaches the actions, and an undecided message keeps the conversation's."""
from __future__ import annotations

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
