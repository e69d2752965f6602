"""The referral form's answer handling, without a server: what counts as an answer, how each answer is
checked, and what a confirmed inquiry becomes."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.inquiry_submission import inquiry_data
from actions.referral_form import (
    ValidateReferralForm, answer_text, parse_contact, parse_documents, parse_wants, requested_answer, summary_text,
)
from referrals import ValidationError, clean_inquiry

FORM_DOMAIN_SLOTS = [
    "inquiry_consent", "inquiry_writer", "inquiry_relation", "inquiry_patient_name", "inquiry_age",
    "inquiry_country", "inquiry_language", "inquiry_diagnosis", "inquiry_stage", "inquiry_wants",
    "inquiry_documents", "inquiry_travel", "inquiry_contact", "inquiry_confirmed",
]


def tracker_for(text: str, intent: str = "inform", requested: str = "inquiry_patient_name", **slots) -> Tracker:
    all_slots = {"requested_slot": requested, **{name: None for name in FORM_DOMAIN_SLOTS}, **slots}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return Tracker("sender-1", all_slots, latest, [], False, None, {"name": "referral_form"}, "action_listen")


def validate(slot: str, value, **slots):
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateReferralForm(), f"validate_{slot}")(value, dispatcher, tracker_for(str(value), **slots), {})
    return result, " ".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize("text, intent, requested, expected", [
    ("Maria Lopez", "greet", "inquiry_patient_name", "Maria Lopez"),
    ("how many transplants have they done?", "ask_transplant", "inquiry_age", None),
    ("my son has leukemia, is that ok?", "ask_route", "inquiry_diagnosis", "my son has leukemia, is that ok?"),
    ("he can't breathe", "emergency", "inquiry_country", None),
    ("stop", "stop", "inquiry_country", None),
    ("/request_human", "request_human", "inquiry_country", None),
])
def test_what_counts_as_an_answer(text, intent, requested, expected):
    assert answer_text(tracker_for(text, intent, requested)) == expected


def test_the_form_coming_back_in_the_same_turn_does_not_take_the_message_again():
    """After a failed save the form asks again in the same turn: the "send it" that failed must not be
    read a second time (it would retry at once, and answer both "couldn't save" and a reference)."""
    fresh = tracker_for("send it", "request_referral", "inquiry_confirmed")
    assert requested_answer(fresh, ("inquiry_confirmed",)) != []
    turn = [{"event": "user", "text": "send it"}, {"event": "action", "name": "referral_form"}]
    first = Tracker("sender-1", fresh.slots, fresh.latest_message, turn, False, None, {"name": "referral_form"},
                    "referral_form")
    assert requested_answer(first, ("inquiry_confirmed",)) != [], "the form's first run reads the message"
    turn += [{"event": "action", "name": "action_finish_inquiry"}, {"event": "action", "name": "referral_form"}]
    again = Tracker("sender-1", fresh.slots, fresh.latest_message, turn, False, None, {"name": "referral_form"},
                    "referral_form")
    assert requested_answer(again, ("inquiry_confirmed",)) == []


def test_contact_accepts_email_and_phone_with_country_code():
    assert parse_contact("mail me at Ana.Silva@Example.COM or +351 912 345 678") == {
        "email": "ana.silva@example.com", "phone": "+351912345678"}
    with pytest.raises(ValidationError):
        parse_contact("call me tomorrow")
    with pytest.raises(ValidationError):
        parse_contact("ana at example dot com")


def test_wants_and_documents_from_free_text():
    assert set(parse_wants("a second opinion, and CAR-T if possible")) == {"second_opinion", "car_t"}
    assert parse_wants("not sure") == []
    assert parse_documents("we have the biopsy report and an MRI") == {
        "has_records": True, "has_pathology": True, "has_imaging": True}
    assert parse_documents("none yet") == {"has_records": False, "has_pathology": False, "has_imaging": False}
    assert parse_documents("hmm") is None


@pytest.mark.parametrize("answer, expected", [
    ("I agree", True), ("yes, that's fine", True), ("yes, no problem", True), ("sure, go ahead", True),
    ("I do not agree", False), ("no", False), ("nope", False), ("maybe later", None),
])
def test_consent(answer, expected):
    result, message = validate("inquiry_consent", answer)
    assert result["inquiry_consent"] is expected
    assert (message != "") is (expected is None)


def test_consent_makes_the_submission_key_once():
    given, _ = validate("inquiry_consent", "I agree")
    assert len(given["inquiry_submission_key"]) >= 32
    again, _ = validate("inquiry_consent", "yes", inquiry_submission_key="kept-key")
    assert "inquiry_submission_key" not in again, "a key already made is kept, not replaced"
    refused, _ = validate("inquiry_consent", "I do not agree")
    assert "inquiry_submission_key" not in refused


def test_bad_age_is_re_asked_with_a_clear_message():
    result, message = validate("inquiry_age", "two hundred")
    assert result["inquiry_age"] is None and "age" in message.lower()
    ok, _ = validate("inquiry_age", "1979-03-02")
    assert ok["inquiry_age"].endswith("(born 1979-03-02)")


def test_writer_and_relation_from_free_text():
    assert validate("inquiry_writer", "I'm writing for my dad")[0]["inquiry_writer"] == "relative"
    assert validate("inquiry_writer", "it's me, I am the patient")[0]["inquiry_writer"] == "patient"
    assert validate("inquiry_relation", "mother")[0]["inquiry_relation"] == "parent"
    assert validate("inquiry_relation", "Son or daughter")[0]["inquiry_relation"] == "child"


def test_relation_is_only_asked_of_relatives_and_nothing_after_a_refused_consent():
    form = ValidateReferralForm()
    patient = asyncio.run(form.required_slots(list(FORM_DOMAIN_SLOTS), CollectingDispatcher(),
                                              tracker_for("x", inquiry_writer="patient"), {}))
    assert "inquiry_relation" not in patient
    relative = asyncio.run(form.required_slots(list(FORM_DOMAIN_SLOTS), CollectingDispatcher(),
                                               tracker_for("x", inquiry_writer="relative"), {}))
    assert "inquiry_relation" in relative
    refused = asyncio.run(form.required_slots(list(FORM_DOMAIN_SLOTS), CollectingDispatcher(),
                                              tracker_for("x", inquiry_consent=False), {}))
    assert refused == []


def test_change_at_the_summary_clears_only_that_answer():
    result, message = validate("inquiry_confirmed", "please change the email")
    assert result == {"inquiry_contact": None, "inquiry_confirmed": None}
    assert "contact" in message
    assert validate("inquiry_confirmed", "send it")[0] == {"inquiry_confirmed": "submit"}


@pytest.mark.parametrize("answer, expected", [
    ("Yes, that is correct", {"inquiry_confirmed": "submit"}),
    ("looks good, send it", {"inquiry_confirmed": "submit"}),
    ("no wait, the age is wrong", {"inquiry_age": None, "inquiry_confirmed": None}),
    ("don't send", {"inquiry_confirmed": "cancel"}),
    ("change who is writing", {"inquiry_writer": None, "inquiry_relation": None, "inquiry_confirmed": None}),
])
def test_the_summary_reads_natural_answers(answer, expected):
    assert validate("inquiry_confirmed", answer)[0] == expected


def test_a_bare_no_at_the_summary_asks_what_to_change_and_keeps_everything():
    result, message = validate("inquiry_confirmed", "no", inquiry_patient_name="Lee Min")
    assert result == {"inquiry_confirmed": None}, "nothing is cleared or cancelled"
    assert "change" in message and "cancel" in message


def test_a_correction_at_the_summary_is_an_answer_even_when_read_as_stop():
    tracker = tracker_for("no stop, the email is wrong", "stop", "inquiry_confirmed")
    assert answer_text(tracker) == "no stop, the email is wrong"
    assert answer_text(tracker_for("stop", "stop", "inquiry_confirmed")) is None


def test_values_kept_by_the_form_pass_their_own_check_again():
    """A form started with its slots filled (an answer from the action server was lost) validates them
    again: what the validators returned must come back unchanged."""
    assert validate("inquiry_age", "51 (born 1973-03-02)")[0] == {"inquiry_age": "51 (born 1973-03-02)"}
    assert validate("inquiry_consent", True)[0]["inquiry_consent"] is True
    assert validate("inquiry_confirmed", "submit")[0] == {"inquiry_confirmed": "submit"}
    assert validate("inquiry_travel", "none")[0] == {"inquiry_travel": "none"}


COMPLETE = dict(
    inquiry_consent=True, inquiry_writer="relative", inquiry_relation="parent", inquiry_patient_name="Lee Min",
    inquiry_age="9", inquiry_country="MN", inquiry_language="mn", inquiry_diagnosis="neuroblastoma",
    inquiry_stage="treated", inquiry_wants=["second_opinion"],
    inquiry_documents={"has_records": True, "has_pathology": False, "has_imaging": True},
    inquiry_travel="none", inquiry_contact={"email": "lee@example.mn"}, inquiry_confirmed="submit",
    inquiry_unit_id="snuh_pediatric_hmo", inquiry_condition_id="neuroblastoma",
)


def test_a_confirmed_form_becomes_a_valid_inquiry():
    tracker = tracker_for("send it", **COMPLETE)
    data = inquiry_data(tracker)
    cleaned = clean_inquiry(data)
    assert cleaned["recommended_unit_id"] == "snuh_pediatric_hmo"
    assert cleaned["travel_plans"] is None and cleaned["contact_email"] == "lee@example.mn"
    assert data["conversation_id"] == "sender-1"
    assert cleaned["chat_language"] == "en"


def test_the_inquiry_keeps_the_language_the_chat_is_written_in():
    data = inquiry_data(tracker_for("보내 주세요", language="mn", **COMPLETE))
    assert clean_inquiry(data)["chat_language"] == "mn"


def test_summary_shows_every_answer():
    text = summary_text(tracker_for("x", **COMPLETE).slots)
    for expected in ("Lee Min", "Mongolia", "neuroblastoma", "A second opinion", "medical records, imaging",
                     "lee@example.mn"):
        assert expected in text, expected


def ask(slot: str, **slots) -> tuple[str, list[str]]:
    from actions.inquiry_questions import ASK_ACTIONS

    [action] = [a() for a in ASK_ACTIONS if a.slot == slot]
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker_for("/request_referral", requested=slot, **slots), {}))
    [message] = dispatcher.messages
    return message["text"], [b["payload"] for b in message.get("buttons") or []]


def test_the_age_and_condition_said_earlier_are_offered_not_filled_in():
    text, buttons = ask("inquiry_age", patient_age=63.0)
    assert "Earlier you mentioned: 63." in text and buttons == ["63"]
    # the slot holds the condition's id; the patient is offered its name
    text, buttons = ask("inquiry_diagnosis", condition="acute_myeloid_leukemia")
    assert buttons == ["acute myeloid leukemia"]
    assert ask("inquiry_diagnosis", condition="cancer")[1] == ask("inquiry_diagnosis")[1]  # too vague to offer
    # the offered answer goes through the same check as a typed one
    assert validate("inquiry_age", "63")[0] == {"inquiry_age": "63"}


@pytest.mark.parametrize("slots", [{}, {"condition": "cancer"}, {"condition": "CAR-T cell therapy"}])
def test_nothing_is_offered_when_the_conversation_did_not_name_a_diagnosis(slots):
    text, buttons = ask("inquiry_diagnosis", **slots)
    assert buttons == [] and "Earlier" not in text


def test_the_language_question_keeps_its_own_buttons_when_nothing_was_said():
    _, buttons = ask("inquiry_language", patient_age=40.0)
    assert buttons[:2] == ["English", "Korean"]
