"""The patient's language through the real bot (REST channel, action server): emergencies, routing and facts
in each language, replies in the patient's script; an undecided message keeps the conversation's language."""
from __future__ import annotations

import re
import uuid

import pytest

from messages import say
from tests.conftest import meta_of, text_of

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


# one child and one adult per language, written as relatives write; the expected unit and the script
ROUTING = [
    ("우리 딸이 일곱 살인데 급성 림프구성 백혈병 진단을 받았어요. 어디로 가야 하나요?", "snuh_pediatric_hmo", "[가-힣]"),
    ("저희 아버지가 58세이신데 다발성 골수종이라고 합니다. 어느 과로 가면 될까요?", "snuh_hmo_hematology", "[가-힣]"),
    ("Моему сыну 9 лет, у него нейробластома. Куда нам обращаться?", "snuh_pediatric_hmo", "[а-яА-Я]"),
    ("У моей жены рак яичников, ей 49 лет. В какую больницу ехать?", "smc_gynecologic_cancer_center", "[а-яА-Я]"),
    ("我儿子十岁，得了白血病，应该去哪个科？", "snuh_pediatric_hmo", "[\u4e00-\u9fff]"),
    ("我妈妈今年62岁，卵巢癌，想去韩国治疗，去哪家医院？", "smc_gynecologic_cancer_center", "[\u4e00-\u9fff]"),
    ("Миний охин 6 настай, цусны хорт хавдартай. Хаана хандах вэ?", "snuh_pediatric_hmo", "[а-яөүА-ЯӨҮ]"),
    ("Аав маань 60 настай, арьсны хорт хавдар гэж оношлогдсон. Аль төвд очих вэ?", "snuch_skin_cancer_center", "[а-яөүА-ЯӨҮ]"),
    ("ابني عمره 8 سنوات ومصاب بسرطان الدم، إلى أي قسم نذهب؟", "snuh_pediatric_hmo", "[\u0600-\u06ff]"),
    ("زوجتي عمرها 45 سنة وعندها سرطان المبيض، أي مستشفى تنصحون؟", "smc_gynecologic_cancer_center", "[\u0600-\u06ff]"),
]


@pytest.mark.parametrize(("text", "unit", "script"), ROUTING)
def test_a_patient_is_routed_in_their_own_language(running_bot, text, unit, script):
    """The term matcher reads the condition and the age in the patient's words; the unit is the one the
    English message would get, and the reply is written in the patient's script."""
    replies = running_bot.send(f"test-{uuid.uuid4()}", text)
    meta = meta_of(replies)
    assert unit in meta.get("unit_ids", []), (text, meta, text_of(replies))
    assert re.search(script, text_of(replies).split("\n")[0]), text_of(replies)


@pytest.mark.parametrize(("text", "figure", "script"), [
    ("서울대병원 혈액내과는 조혈모세포이식을 지금까지 몇 건이나 했나요?", "3,200", "[가-힣]"),
    ("Сколько операций при раке яичников в год делает центр Самсунг?", "350", "[а-яА-Я]"),
    ("首尔大学医院血液科一共做过多少例干细胞移植？", "3,200", "[\u4e00-\u9fff]"),
])
def test_a_fact_is_said_in_the_patients_language_with_its_source(running_bot, text, figure, script):
    """The hospital's fact comes in the patient's language (our translation, marked as such), with its
    figure and the seed page it cites."""
    replies = running_bot.send(f"test-{uuid.uuid4()}", text)
    answer = text_of(replies)
    first = answer.split("\n")[0]
    assert figure in answer and re.search(script, first), answer
    assert meta_of(replies)["sources"], answer
