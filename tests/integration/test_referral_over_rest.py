"""The referral inquiry in the chat, over the REST channel, checking the rows it stores."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from referrals import Inquiry, create_coordinator, get_inquiry, reply_to_patient, set_status
from settings.database import make_engine
from tests.conftest import inquiry_count, text_of

pytestmark = pytest.mark.servers
REFERENCE = re.compile(r"KR-[0-9A-Z]{10}")

# The answers of a complete inquiry, in the order the form asks for them.
HAPPY_ANSWERS = [
    ("I agree", "writing for someone"),
    ("I'm writing for my mother", "related to the patient"),
    ("Son or daughter", "full name"),
    ("Aigerim Nurlanovna", "How old"),
    ("63", "country"),
    ("Kazakhstan", "language"),
    ("Russian", "diagnosis"),
    ("acute myeloid leukemia, diagnosed in March", "Where is the patient in their care"),
    ("treated", "What would you like"),
    ("a second opinion and maybe a transplant", "share"),
    ("records and CT scans", "travel plans"),
    ("we could come in May with my brother", "reach you"),
    ("aigerim.family@example.kz, +7 701 234 5678", "Shall I send it"),
]


def new_sender() -> str:
    return f"form-{uuid.uuid4()}"


def fill_until_summary(bot, sender: str) -> str:
    """Start the form and give every answer; return the summary text."""
    text = text_of(bot.send(sender, "I would like to come to Korea for treatment"))
    assert "consent" in text.lower()
    for answer, next_question in HAPPY_ANSWERS:
        text = text_of(bot.send(sender, answer))
        assert next_question.lower() in text.lower(), (answer, text)
    return text


def submit_complete_inquiry(bot) -> tuple[str, str]:
    sender = new_sender()
    summary = fill_until_summary(bot, sender)
    assert "Aigerim Nurlanovna" in summary and "Kazakhstan" in summary
    done = text_of(bot.send(sender, "send it"))
    match = REFERENCE.search(done)
    assert match, done
    assert "The international office promises an answer within" in done  # the response-time promise
    return sender, match.group(0)


def test_happy_path_stores_the_inquiry_with_unit_and_conversation(running_bot):
    sender, reference = submit_complete_inquiry(running_bot)
    with Session(make_engine(running_bot.database_url)) as session:
        inquiry = get_inquiry(session, reference)
        assert inquiry.conversation_id == sender
        assert inquiry.writer == "relative" and inquiry.relation == "child"
        assert inquiry.patient_name == "Aigerim Nurlanovna" and inquiry.age == 63
        assert inquiry.country == "KZ" and inquiry.language == "ru"
        assert inquiry.stage == "treated"
        assert set(inquiry.wants) == {"second_opinion", "transplant"}
        assert inquiry.has_records is True and inquiry.has_imaging is True and inquiry.has_pathology is False
        assert inquiry.contact_email == "aigerim.family@example.kz" and inquiry.contact_phone == "+77012345678"
        assert "leukemia" in inquiry.condition_id and inquiry.recommended_unit_id == "snuh_hmo_hematology"
        assert inquiry.consent_given_at is not None and inquiry.status == "new"


def test_references_differ_and_do_not_follow_a_sequence(running_bot):
    _, first = submit_complete_inquiry(running_bot)
    _, second = submit_complete_inquiry(running_bot)
    assert first != second
    assert sum(a == b for a, b in zip(first[3:], second[3:])) < 5


def test_bad_answers_are_re_asked_with_a_clear_message_and_nothing_is_lost(running_bot):
    sender = new_sender()
    running_bot.send(sender, "can I send my records for a consultation")
    running_bot.send(sender, "yes I agree")
    running_bot.send(sender, "I am the patient")
    running_bot.send(sender, "Tomas Novak")
    bad_age = text_of(running_bot.send(sender, "two hundred and fifty"))
    assert "age" in bad_age.lower() and "How old" in bad_age
    assert "country" in text_of(running_bot.send(sender, "51")).lower()
    running_bot.send(sender, "Czech Republic")
    running_bot.send(sender, "English")
    running_bot.send(sender, "melanoma on my back")
    running_bot.send(sender, "biopsy done, not treated yet")
    running_bot.send(sender, "second opinion")
    running_bot.send(sender, "none yet")
    running_bot.send(sender, "no plans yet")
    bad_contact = text_of(running_bot.send(sender, "my email is tomas at example"))
    assert "email" in bad_contact.lower() and "country code" in bad_contact.lower()
    bad_phone = text_of(running_bot.send(sender, "0123"))
    assert "reach you" in bad_phone.lower() or "country code" in bad_phone.lower()
    summary = text_of(running_bot.send(sender, "tomas.novak@example.cz"))
    assert "Tomas Novak" in summary and "51" in summary and "melanoma on my back" in summary


def test_a_question_mid_form_is_answered_and_the_form_resumes(running_bot):
    sender = new_sender()
    running_bot.send(sender, "I want to book a consultation")
    running_bot.send(sender, "I agree")
    running_bot.send(sender, "I am the patient")
    running_bot.send(sender, "Maria Lopez")
    replies = text_of(running_bot.send(sender, "wait, how many stem cell transplants have they done?"))
    assert "3,200" in replies, replies
    assert "How old" in replies, "the form asks its question again"
    assert "country" in text_of(running_bot.send(sender, "47")).lower()


def test_emergency_mid_form_comes_first_and_the_form_continues(running_bot):
    sender = new_sender()
    running_bot.send(sender, "I want to come to Korea for treatment")
    running_bot.send(sender, "I agree")
    replies = running_bot.send(sender, "my husband is on chemo and now has a fever of 39.5")
    texts = [reply["text"] for reply in replies if reply.get("text")]
    assert "119" in texts[0]
    assert "writing for someone" in texts[-1]


def test_correction_at_the_summary_changes_one_answer(running_bot):
    sender = new_sender()
    fill_until_summary(running_bot, sender)
    ask = text_of(running_bot.send(sender, "change the contact"))
    assert "reach you" in ask.lower()
    summary = text_of(running_bot.send(sender, "new.address@example.org"))
    assert "new.address@example.org" in summary and "aigerim.family@example.kz" not in summary
    assert "Aigerim Nurlanovna" in summary, "the other answers are kept"
    done = text_of(running_bot.send(sender, "send it"))
    reference = REFERENCE.search(done).group(0)
    with Session(make_engine(running_bot.database_url)) as session:
        assert get_inquiry(session, reference).contact_email == "new.address@example.org"


def test_stop_mid_form_stores_nothing(running_bot):
    before = inquiry_count(running_bot.database_url)
    sender = new_sender()
    running_bot.send(sender, "I want to come to Korea for treatment")
    running_bot.send(sender, "I agree")
    running_bot.send(sender, "I am the patient")
    stopped = text_of(running_bot.send(sender, "stop, I want to cancel this"))
    assert "nothing was stored" in stopped
    assert inquiry_count(running_bot.database_url) == before


def test_without_consent_nothing_is_asked_or_stored_and_the_public_contact_is_given(running_bot):
    before = inquiry_count(running_bot.database_url)
    sender = new_sender()
    running_bot.send(sender, "I want to come to Korea for treatment")
    reply = text_of(running_bot.send(sender, "I do not agree"))
    assert "won't store" in reply and "+82-43-713-8991" in reply
    assert inquiry_count(running_bot.database_url) == before


def test_status_needs_the_right_contact_and_shows_the_coordinators_reply(running_bot):
    _, reference = submit_complete_inquiry(running_bot)
    engine = make_engine(running_bot.database_url)
    with Session(engine) as session:
        username = create_coordinator(session, f"coord{uuid.uuid4().hex[:6]}", "a-long-password-1",
                                      "Coordinator Kim", role="administrator").username
        set_status(session, reference, "in_review", by=username)
        reply_to_patient(session, reference, "Please send the pathology report to our office.", by=username)

    sender = new_sender()
    running_bot.send(sender, f"what is the status of my inquiry {reference}")
    wrong = text_of(running_bot.send(sender, "someone.else@example.com"))
    assert "couldn't find" in wrong and "pathology report" not in wrong

    sender = new_sender()
    running_bot.send(sender, f"what is the status of my inquiry {reference}")
    right = text_of(running_bot.send(sender, "+7 701 234 5678"))
    assert "Please send the pathology report" in right and reference in right


def test_unknown_reference_looks_the_same_as_a_wrong_contact(running_bot):
    sender = new_sender()
    running_bot.send(sender, "status of inquiry KR-7H3K9M2QXA please")
    reply = text_of(running_bot.send(sender, "aigerim.family@example.kz"))
    assert "couldn't find" in reply


def test_delete_my_data_removes_the_personal_data(running_bot):
    _, reference = submit_complete_inquiry(running_bot)
    sender = new_sender()
    running_bot.send(sender, f"please delete my data, reference {reference}")
    done = text_of(running_bot.send(sender, "aigerim.family@example.kz"))
    assert "deleted" in done
    with Session(make_engine(running_bot.database_url)) as session:
        inquiry = get_inquiry(session, reference)
        assert inquiry.personal_data_deleted_at is not None
        assert inquiry.patient_name is None and inquiry.contact_email is None and inquiry.diagnosis is None


def test_the_whole_inquiry_works_on_postgresql(running_bot_on_postgres):
    sender, reference = submit_complete_inquiry(running_bot_on_postgres)
    with Session(make_engine(running_bot_on_postgres.database_url)) as session:
        assert get_inquiry(session, reference).conversation_id == sender
        events = table("events", column("sender_id"))
        stored = session.execute(
            select(func.count()).select_from(events).where(events.c.sender_id == sender)).scalar_one()
        assert stored > 10, "the conversation is in PostgreSQL's tracker store"
