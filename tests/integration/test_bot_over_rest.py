"""The real bot over its REST channel: the action server and the Rasa server started from the
checkout (`running_bot`), checking the content of real answers, not just that something came back."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import meta_of, text_of

pytestmark = pytest.mark.servers

HMO_PAGE = "000_3640c03fd6599930.txt"
PEDIATRIC_PAGE = "001_2893836f267d3b1c.txt"
SKIN_PAGE = "002_d7306cf6c8f0948a.txt"
SMC_PAGE = "003_2b94a502dc15cabe.txt"


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


def test_greeting_introduces_the_bot_with_a_disclaimer(running_bot):
    replies = running_bot.send(new_sender(), "hello")
    text = text_of(replies)
    assert "not medical advice" in text
    assert "119" in text
    assert any(reply.get("buttons") for reply in replies), "the greeting offers quick replies"


def test_transplant_answer_gives_figures_and_cites_the_page(running_bot):
    replies = running_bot.send(new_sender(), "how many stem cell transplants have they done?")
    text = text_of(replies)
    assert "3,200" in text and "1985" in text
    assert HMO_PAGE in text
    assert HMO_PAGE in meta_of(replies)["sources"]


def test_donor_types_are_listed(running_bot):
    text = running_bot.texts(new_sender(), "what kinds of bone marrow transplant donors can be used?")
    for donor in ("sibling", "unrelated", "haploidentical", "cord blood"):
        assert donor in text.lower(), donor


@pytest.mark.parametrize("message, expected_unit", [
    ("my 6 year old son has leukemia, where should we go?", "snuh_pediatric_hmo"),
    ("I am 52 and I have leukemia. which department treats it?", "snuh_hmo_hematology"),
    ("my father has lung cancer, who should he see?", "snuh_hmo_medical_oncology"),
    ("my wife was diagnosed with cervical cancer, which department?", "smc_gynecologic_cancer_center"),
    ("I have a melanoma on my foot, where should I go", "snuch_skin_cancer_center"),
    ("my daughter is 4 and has neuroblastma", "snuh_pediatric_hmo"),
    # a time is not an age: the mother is not routed as a 3-year-old
    ("my mother was diagnosed with leukemia 3 weeks ago, where should she go?", "snuh_hmo_hematology"),
    ("my son 10 has leukemia, which department?", "snuh_pediatric_hmo"),
])
def test_routing_for_adults_and_children(running_bot, message, expected_unit):
    replies = running_bot.send(new_sender(), message)
    meta = meta_of(replies)
    assert meta["unit_ids"] and meta["unit_ids"][0] == expected_unit, (message, meta, text_of(replies))
    assert meta["sources"], "a route cites the page it comes from"


def test_route_asks_for_the_age_group_only_when_it_matters_then_uses_the_answer(running_bot):
    sender = new_sender()
    first = running_bot.send(sender, "where should someone with leukemia go?")
    assert meta_of(first)["needs_age_group"] is True
    assert "child" in text_of(first).lower() and "adult" in text_of(first).lower()
    second = running_bot.send(sender, '/inform_patient{"age_group": "child"}')
    assert meta_of(second)["unit_ids"][0] == "snuh_pediatric_hmo"


def test_follow_up_for_a_child_reroutes_the_same_condition(running_bot):
    sender = new_sender()
    adult = running_bot.send(sender, "I'm 40 and have lymphoma, where do I go?")
    assert meta_of(adult)["unit_ids"][0] == "snuh_hmo_hematology"
    child = running_bot.send(sender, "what about for my son? he is 9")
    assert meta_of(child)["unit_ids"][0] == "snuh_pediatric_hmo"


def test_figures_follow_up_uses_the_topic_in_context(running_bot):
    sender = new_sender()
    running_bot.send(sender, "do they do ovarian cancer surgery at Samsung?")
    text = running_bot.texts(sender, "how many of those do they do?")
    assert "350" in text and SMC_PAGE in text


def test_certification_is_given_with_its_date(running_bot):
    text = running_bot.texts(new_sender(), "is the samsung gynecologic cancer center certified by ESGO?")
    assert "ESGO" in text or "European Society of Gynaecological Oncology" in text or "European Society of Gynecological Oncology" in text
    assert "2021" in text


@pytest.mark.parametrize("message", [
    "my son is on chemo and has a fever of 39",
    "my mother can't breathe properly",
    "I want to end my life",
    "he is bleeding heavily from the nose and it won't stop",
])
def test_emergencies_come_first(running_bot, message):
    replies = running_bot.send(new_sender(), message)
    first_text = next(reply["text"] for reply in replies if reply.get("text"))
    assert "119" in first_text and "emergency" in first_text.lower()
    assert meta_of(replies)["emergency"] is True


def test_emergency_interrupts_a_conversation_in_progress(running_bot):
    sender = new_sender()
    running_bot.send(sender, "where should someone with leukemia go?")
    replies = running_bot.send(sender, "wait, my dad suddenly has chest pain")
    assert "119" in text_of(replies)
    assert meta_of(replies)["emergency"] is True


def test_diagnosis_requests_are_refused_with_the_unit_that_can_help(running_bot):
    replies = running_bot.send(new_sender(), "I have a dark mole that changed shape, is it melanoma?")
    text = text_of(replies).lower()
    assert "can't" in text or "cannot" in text
    assert "doctor" in text or "specialist" in text
    assert meta_of(replies)["unit_ids"][0] == "snuch_skin_cancer_center"


@pytest.mark.parametrize("message", [
    "what's the weather in Seoul tomorrow?",
    "can you book me a flight to Incheon",
    "I broke my leg skiing, which department should I go to?",
])
def test_out_of_scope_is_declined_without_inventing_a_service(running_bot, message):
    replies = running_bot.send(new_sender(), message)
    meta = meta_of(replies)
    assert meta["declined"] is True
    assert meta["unit_ids"] == []
    assert "coordinator" in text_of(replies).lower()


def test_asking_for_a_human_gives_the_contact_from_the_store(running_bot):
    replies = running_bot.send(new_sender(), "can I talk to a real person please")
    text = text_of(replies)
    assert "+82-43-713-8991" in text
    assert SMC_PAGE in text


def test_gibberish_gets_topics_as_buttons_not_a_guess(running_bot):
    replies = running_bot.send(new_sender(), "blorp zzkx qwv")
    assert any(reply.get("buttons") for reply in replies)
    assert meta_of(replies)["declined"] is True
