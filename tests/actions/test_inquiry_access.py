"""The status and deletion flows without a server: what the forms take as an answer, the ways out, and
what the final actions say (against a real referrals database: the knowledge store's file)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.inquiry_access import ActionPrefillInquiryAccess, ValidateInquiryStatusForm, exit_for, read_turn
from actions.inquiry_access_outcomes import (
    ActionDeleteInquiryData, ActionLeaveInquiryAccess, ActionShowInquiryStatus, MAX_FAILED_ATTEMPTS,
)
from actions.store import referrals_engine
from messages import say
from referrals import submit_inquiry
from referrals.references import new_reference
from tests.actions.conftest import Reply, make_tracker, run_action

STATUS_FORM = "inquiry_status_form"
BAD_REFERENCE = say("access.invalid.reference")
BAD_CONTACT = say("access.invalid.contact")
INQUIRY = {"consent": True, "writer": "patient", "patient_name": "Dorj Bold", "age_or_birth_date": "64",
           "country": "Mongolia", "language": "Mongolian", "diagnosis": "lymphoma", "stage": "relapsed",
           "wants": ["second_opinion"], "contact_email": "bat.dorj@example.mn", "contact_phone": "+976 9911 2233"}


def access_tracker(text: str, intent: str, requested: str | None = "access_reference", entities=None,
                   ranking=None, **slots):
    return make_tracker(text, intent, entities, ranking=ranking, requested_slot=requested, **slots)


@pytest.mark.parametrize("text, intent, requested, expected", [
    # answers
    ("KR-7H3K9M2QXA", "check_inquiry_status", "access_reference", ("answer", "KR-7H3K9M2QXA")),
    ("my reference is kr 7h3k9m2qxa", "check_inquiry_status", "access_reference", ("answer", "kr 7h3k9m2qxa")),
    ("7H3K9M2QXA", "nlu_fallback", "access_reference", ("answer", "7H3K9M2QXA")),
    ("it is aigerim@example.kz", "ask_palliative_care", "access_contact", ("answer", "aigerim@example.kz")),
    ("+7 701 234 5678", "inform_patient", "access_contact", ("answer", "+7 701 234 5678")),
    # typed, but not a reference / contact: checked, and re-asked with a hint
    ("KR-12345", "check_inquiry_status", "access_reference", ("answer", "KR-12345")),
    ("hello", "greet", "access_reference", ("answer", "hello")),
    ("yes I have it", "affirm", "access_reference", ("answer", "yes I have it")),
    ("thanks a lot", "affirm", "access_reference", ("answer", "thanks a lot")),
    ("7H3K 9M2Q XA", "nlu_fallback", "access_reference", ("answer", "7H3K 9M2Q XA")),
    ("yes", "affirm", "access_contact", ("answer", "yes")),
    # ways out
    ("I lost the reference number", "ask_figures", "access_reference", ("exit", "lost_reference")),
    ("I don't have it", "deny", "access_reference", ("exit", "lost_reference")),
    ("I don't remember which email", "out_of_scope", "access_contact", ("exit", "lost_contact")),
    ("forgot which phone I gave", "nlu_fallback", "access_contact", ("exit", "lost_contact")),
    ("never mind", "stop", "access_reference", ("reject", None)),
    ("he can't breathe", "emergency", "access_contact", ("reject", None)),
    ("is CAR-T available?", "ask_car_t", "access_reference", ("reject", None)),
    ("thanks, bye", "goodbye", "access_contact", ("reject", None)),
    ("actually, delete my data instead", "delete_my_data", "access_reference", ("reject", None)),
    ("did they answer it or not", "check_inquiry_status", "access_reference", ("answer", "did they answer it or not")),
    # the form starting: only a way out counts (the prefill took the rest)
    ("I lost my reference, what is the status of my inquiry?", "check_inquiry_status", None,
     ("exit", "lost_reference")),
    ("what is the status of my inquiry", "check_inquiry_status", None, ("none", None)),
])
def test_what_the_status_form_takes_from_a_message(text, intent, requested, expected):
    turn = read_turn(access_tracker(text, intent, requested), STATUS_FORM)
    assert (turn.kind, turn.value) == expected


def test_a_reference_alone_answers_the_deletion_form_even_when_read_as_a_status_request():
    tracker = access_tracker("KR-7H3K9M2QXA", "check_inquiry_status")
    assert read_turn(tracker, "inquiry_deletion_form").kind == "answer"
    switch = access_tracker("no wait, only the status of KR-7H3K9M2QXA please", "check_inquiry_status")
    assert read_turn(switch, "inquiry_deletion_form").kind == "reject", "the other flow takes over"


def test_forgetting_data_is_not_losing_the_reference():
    assert exit_for("I want you to forget everything I told you", None) is None
    assert exit_for("please forget my data", "access_reference") is None
    assert exit_for("I want my data deleted, my reference is KR-7H3K9M2QXA", None) is None


def test_a_request_that_carries_the_reference_has_not_lost_it():
    tracker = access_tracker("I forgot to ask: what about my reference KR-7H3K9M2QXA?", "check_inquiry_status", None)
    assert read_turn(tracker, STATUS_FORM).kind == "none"


@pytest.mark.parametrize("text, reference, contact", [
    ("what is the status of my inquiry", None, None),
    ("status of KR-7H3K9M2QXA please", "KR-7H3K9M2QXA", None),
    ("delete KR-7H3K9M2QXA, my email is ana@example.pt", "KR-7H3K9M2QXA", "ana@example.pt"),
    ("KR-7H3K9M2QXA sent on 12.03.2025, any news?", "KR-7H3K9M2QXA", None),
])
def test_the_prefill_keeps_only_what_the_request_carries_and_clears_the_rest(text, reference, contact):
    tracker = access_tracker(text, "check_inquiry_status", None, access_reference="KR-OLD0000000",
                             access_contact="old@example.com", access_exit="lost_contact")
    _, slots = asyncio.run(run_action(ActionPrefillInquiryAccess(), tracker))
    assert slots == {"access_reference": reference, "access_contact": contact, "access_exit": None}


def validate(method: str, value, text: str = "x"):
    dispatcher = CollectingDispatcher()
    form = ValidateInquiryStatusForm()
    result = getattr(form, f"validate_{method}")(value, dispatcher, access_tracker(text, "inform"), {})
    return result, Reply(dispatcher).text


def test_nothing_typed_is_never_validated_as_an_answer():
    assert validate("access_reference", None) == ({"access_reference": None}, "")
    assert validate("access_contact", None) == ({"access_contact": None}, "")


def test_typed_answers_are_checked_and_re_asked_with_a_hint():
    assert validate("access_reference", "kr-7h3k 9m2q xa")[0] == {"access_reference": "KR-7H3K9M2QXA"}
    assert validate("access_reference", "hello") == ({"access_reference": None}, BAD_REFERENCE)
    assert validate("access_reference", "yes I have it") == ({"access_reference": None}, BAD_REFERENCE)
    assert validate("access_contact", "Ana@Example.PT")[0] == {"access_contact": "ana@example.pt"}
    assert validate("access_contact", "+351 912 345 678")[0] == {"access_contact": "+351912345678"}
    assert validate("access_contact", "yes") == ({"access_contact": None}, BAD_CONTACT)
    result, message = validate("access_contact", "010 1234 5678")
    assert result == {"access_contact": None} and "country code" in message


def test_an_exit_ends_the_form_at_once():
    tracker = access_tracker("sorry, I lost it", "deny")
    events = asyncio.run(ValidateInquiryStatusForm().run(CollectingDispatcher(), tracker, {}))
    assert {"event": "slot", "timestamp": None, "name": "access_exit", "value": "lost_reference"} in events
    assert {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None} in events


@pytest.mark.parametrize("action", [ActionShowInquiryStatus(), ActionDeleteInquiryData()])
@pytest.mark.parametrize("exit_reason, expected", [("lost_reference", "reference number"),
                                                   ("lost_contact", "email or phone")])
def test_a_lost_detail_ends_with_the_coordinators_contact(action, exit_reason, expected):
    tracker = access_tracker("x", "deny", None, access_exit=exit_reason)
    reply, slots = asyncio.run(run_action(action, tracker))
    assert expected in reply.text and "+82" in reply.text, "the coordinators' phone numbers"
    assert slots["access_exit"] is None and "access_failures" not in slots, "nothing was checked or counted"


def inquiry_with_contact() -> str:
    return submit_inquiry(referrals_engine(), {**INQUIRY, "conversation_id": f"c-{uuid.uuid4()}"})


def test_status_with_the_right_contact_and_a_failure_counted_with_the_wrong_one():
    reference = inquiry_with_contact()
    right = access_tracker("x", "inform", None, access_reference=reference, access_contact="bat.dorj@example.mn")
    reply, _ = asyncio.run(run_action(ActionShowInquiryStatus(), right))
    assert reference in reply.text and "no reply yet" in reply.text
    wrong = access_tracker("x", "inform", None, access_reference=reference, access_contact="x@example.mn",
                           access_failures=2.0)
    reply, slots = asyncio.run(run_action(ActionShowInquiryStatus(), wrong))
    assert "couldn't find" in reply.text and slots["access_failures"] == 3


def test_a_reference_locked_by_other_conversations_is_refused_even_with_the_right_contact():
    reference = inquiry_with_contact()
    for _ in range(5):  # five failures, as from five other conversations
        guess = access_tracker("x", "inform", None, access_reference=reference, access_contact="guess@example.mn")
        asyncio.run(run_action(ActionShowInquiryStatus(), guess))
    right = access_tracker("x", "inform", None, access_reference=reference, access_contact="bat.dorj@example.mn")
    for action in (ActionShowInquiryStatus(), ActionDeleteInquiryData()):
        reply, _ = asyncio.run(run_action(action, right))
        assert "locked" in reply.text and "minutes" in reply.text and "+82" in reply.text
        assert "Dorj" not in reply.text and "deleted" not in reply.text


def test_the_per_conversation_limit_still_holds():
    tracker = access_tracker("x", "inform", None, access_reference=new_reference(), access_contact="a@example.com",
                             access_failures=float(MAX_FAILED_ATTEMPTS))
    reply, _ = asyncio.run(run_action(ActionShowInquiryStatus(), tracker))
    assert "can't check more inquiries in this conversation" in reply.text


def test_stop_ends_the_flow_and_answers_a_question_asked_with_it():
    plain = access_tracker("never mind", "stop", None, access_reference="KR-7H3K9M2QXA")
    reply, slots = asyncio.run(run_action(ActionLeaveInquiryAccess(), plain))
    assert "stopped" in reply.text and slots["access_reference"] is None
    ranking = [{"name": "stop", "confidence": 0.6}, {"name": "ask_car_t", "confidence": 0.35}]
    with_question = access_tracker("never mind, is CAR-T available?", "stop", None, ranking=ranking)
    reply, slots = asyncio.run(run_action(ActionLeaveInquiryAccess(), with_question))
    assert "stopped" in reply.text and "CAR-T" in reply.text and reply.meta["topic"] == "car_t"


def test_a_question_asked_instead_is_answered_and_an_emergency_gets_nothing_after_it():
    question = access_tracker("do you do stem cell transplants for children?", "ask_transplant", None)
    reply, _ = asyncio.run(run_action(ActionLeaveInquiryAccess(), question))
    assert reply.meta["topic"] == "transplant" and "Source" in reply.text
    emergency = access_tracker("she is not breathing", "emergency", None, access_reference="KR-7H3K9M2QXA")
    reply, slots = asyncio.run(run_action(ActionLeaveInquiryAccess(), emergency))
    assert reply.messages == [] and slots["access_reference"] is None
