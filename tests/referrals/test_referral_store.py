"""Storing inquiries and working on them, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import referrals
import referrals.references
from messages import say_error
from referrals import (
    AuditEntry, ConsentRequired, Inquiry, InquiryFilter, InquiryNotFound, InvalidTransition, Note,
    PersonalDataDeleted, Status, UnknownCoordinator, ValidationError,
)
from referrals.transcript import events


def count(session: Session, model) -> int:  # noqa: ANN001
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def audit_actions(session: Session, reference: str) -> list[tuple[str, str]]:
    return [(e.actor, e.action) for e in reversed(referrals.audit_entries(session, reference))]


def add_events(engine, sender_id: str, messages: list[tuple[str, str]], start: float) -> None:  # noqa: ANN001
    events.create(engine, checkfirst=True)
    with engine.begin() as connection:
        for offset, (type_name, message) in enumerate(messages):
            connection.execute(events.insert().values(
                sender_id=sender_id, type_name=type_name, timestamp=start + offset,
                data=json.dumps({"event": type_name, "text": message, "timestamp": start + offset})))


# --- submitting -----------------------------------------------------------------------------------------

def test_submit_stores_a_normalised_inquiry(session, inquiry_data):
    reference = referrals.submit_inquiry(session, inquiry_data())
    inquiry = referrals.get_inquiry(session, reference)
    assert referrals.REFERENCE_PATTERN.match(reference)
    assert inquiry.status == "new" and inquiry.assigned_to is None
    assert inquiry.contact_email == "bat.dorj@example.mn"
    assert inquiry.contact_phone == "+97699112233"
    assert (inquiry.country, inquiry.language) == ("MN", "mn")
    assert inquiry.birth_date.isoformat() == "1960-03-02" and inquiry.age >= 64
    assert inquiry.wants == ["second_opinion", "car_t"]
    assert (inquiry.has_records, inquiry.has_pathology, inquiry.has_imaging) == (True, True, False)
    assert (inquiry.writer, inquiry.relation) == ("relative", "child")
    assert inquiry.created_at.tzinfo is not None
    assert abs(inquiry.created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert inquiry.consent_given_at == inquiry.created_at
    assert audit_actions(session, reference) == [("patient", "submitted")]


def test_submit_accepts_an_engine_and_age_and_birth_date_given_separately(engine, inquiry_data):
    reference = referrals.submit_inquiry(engine, inquiry_data(
        age_or_birth_date=None, age=7, writer="patient", relation="parent", writer_name="ignored",
        contact_email=None))
    with Session(engine, future=True) as session:
        inquiry = referrals.get_inquiry(session, reference)
        assert (inquiry.age, inquiry.birth_date, inquiry.relation, inquiry.writer_name) == (7, None, None, None)
        assert inquiry.contact_email is None and inquiry.contact_phone == "+97699112233"


def test_references_are_unique_and_well_formed(session, inquiry_data):
    references = [referrals.submit_inquiry(session, inquiry_data(conversation_id=f"c{i}")) for i in range(25)]
    assert len(set(references)) == 25
    assert all(referrals.REFERENCE_PATTERN.match(r) for r in references)
    assert count(session, Inquiry) == 25


def test_a_reference_collision_is_retried(session, inquiry_data, monkeypatch):
    first = referrals.submit_inquiry(session, inquiry_data())
    proposals = iter([first, first, "KR-ABCDEFGHJK"])
    monkeypatch.setattr(referrals.references, "new_reference", lambda: next(proposals))
    second = referrals.submit_inquiry(session, inquiry_data(conversation_id="conv-2"))
    assert second == "KR-ABCDEFGHJK"
    assert count(session, Inquiry) == 2


@pytest.mark.parametrize("consent", [None, False, "no", "maybe"])
def test_consent_is_required(session, inquiry_data, consent):
    data = inquiry_data(consent=consent)
    if consent is None:
        del data["consent"]
    with pytest.raises(ConsentRequired) as raised:
        referrals.submit_inquiry(session, data)
    assert raised.value.field == "consent" and "agree" in say_error(raised.value)
    assert count(session, Inquiry) == 0 and count(session, AuditEntry) == 0


def test_consent_time_can_be_passed(session, inquiry_data):
    given = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    data = inquiry_data(consent_given_at=given)
    del data["consent"]
    inquiry = referrals.get_inquiry(session, referrals.submit_inquiry(session, data))
    assert inquiry.consent_given_at == given


def test_every_wrong_field_is_reported_and_nothing_is_stored(session, inquiry_data):
    with pytest.raises(ValidationError) as raised:
        referrals.submit_inquiry(session, inquiry_data(
            patient_name="", age_or_birth_date="2050-01-01", country="Atlantis", stage="cured", wants=[],
            relation=None, contact_email="not-an-email", contact_phone="010-1234-5678"))
    assert set(raised.value.errors) == {"patient_name", "age_or_birth_date", "country", "stage", "wants",
                                        "relation", "contact_email", "contact_phone"}
    assert "country code" in say_error(raised.value.errors["contact_phone"])
    assert count(session, Inquiry) == 0


def test_some_way_to_answer_is_required(session, inquiry_data):
    with pytest.raises(ValidationError) as raised:
        referrals.submit_inquiry(session, inquiry_data(contact_email="", contact_phone=None))
    assert "email" in say_error(raised.value) and "phone" in say_error(raised.value)


def test_unknown_keys_are_a_programming_error(session, inquiry_data):
    with pytest.raises(TypeError):
        referrals.submit_inquiry(session, inquiry_data(favourite_colour="blue"))


# --- the patient's side ---------------------------------------------------------------------------------

def test_status_needs_the_reference_and_the_matching_contact(session, inquiry_data, coordinators):
    reference = referrals.submit_inquiry(session, inquiry_data())
    by_email = referrals.status_for_patient(session, reference, "BAT.DORJ@example.mn ")
    assert by_email is not None and by_email.status is Status.NEW and by_email.reply is None
    assert by_email.status_label == Status.NEW.label
    by_phone = referrals.status_for_patient(session, reference.lower().replace("-", " "), "00976 9911 2233")
    assert by_phone == by_email

    wrong_contact = referrals.status_for_patient(session, reference, "someone.else@example.mn")
    wrong_phone = referrals.status_for_patient(session, reference, "+976 9911 2234")
    unknown_reference = referrals.status_for_patient(session, "KR-0000000000", "bat.dorj@example.mn")
    malformed = referrals.status_for_patient(session, "hello", "bat.dorj@example.mn")
    no_contact = referrals.status_for_patient(session, reference, "")
    assert wrong_contact is None and wrong_phone is None and unknown_reference is None
    assert malformed is None and no_contact is None
    assert ("patient", "status_check_refused") in audit_actions(session, reference)


def test_the_coordinators_reply_reaches_the_patient(session, inquiry_data, coordinators):
    reference = referrals.submit_inquiry(session, inquiry_data())
    referrals.set_status(session, reference, "in_review", by="anna")
    referrals.reply_to_patient(session, reference, "Please send the pathology report.", by="anna")
    status = referrals.status_for_patient(session, reference, "bat.dorj@example.mn")
    assert status.status is Status.ANSWERED
    assert status.reply == "Please send the pathology report."
    assert status.replied_by == "Anna Kim" and status.replied_at is not None


def test_deleting_personal_data(engine, session, inquiry_data, coordinators):
    reference = referrals.submit_inquiry(session, inquiry_data(conversation_id="conv-erase",
                                                               questions="Is CAR-T possible for my father?"))
    other = referrals.submit_inquiry(session, inquiry_data(
        conversation_id="conv-keep", writer="patient", writer_name=None, patient_name="Other Person",
        age_or_birth_date="50", diagnosis="Melanoma on the back", travel_plans=None, contact_email="other@example.com",
        contact_phone=None))
    referrals.add_note(session, reference, "Called the son, Bat-Erdene Dorj", by="anna")
    referrals.reply_to_patient(session, reference, "Dear Dorj Bold, please send the slides.", by="anna")
    start = datetime.now(timezone.utc).timestamp() - 600
    add_events(engine, "conv-erase", [("user", "My father Dorj Bold has lymphoma"), ("bot", "I am sorry")], start)
    add_events(engine, "conv-keep", [("user", "Hello from the other conversation")], start)

    assert referrals.delete_personal_data(session, reference, "wrong@example.mn") is False
    assert referrals.get_inquiry(session, reference).patient_name == "Dorj Bold"

    assert referrals.delete_personal_data(engine, reference, "+976 9911 2233") is True
    session.expire_all()
    inquiry = referrals.get_inquiry(session, reference)
    for name in referrals.PERSONAL_FIELDS:
        assert getattr(inquiry, name) is None, name
    assert inquiry.status == "closed" and inquiry.personal_data_deleted_at is not None
    assert (inquiry.country, inquiry.stage, inquiry.wants) == ("MN", "relapsed", ["second_opinion", "car_t"])
    assert [n.text for n in inquiry.notes] == [referrals.inquiries.REMOVED_NOTE_TEXT]
    assert ("patient", "personal_data_deleted") in audit_actions(session, reference)
    assert referrals.transcript(session, "conv-erase") == []
    assert [line.text for line in referrals.transcript(session, "conv-keep")] == ["Hello from the other conversation"]

    # nothing the patient told us is left anywhere in the referral tables (audit log included)
    dump = json.dumps([[str(value) for value in row] for table in referrals.metadata.sorted_tables
                       for row in session.execute(select(table)).all()])
    for personal in ("Dorj Bold", "Bat-Erdene", "bat.dorj", "99112233", "R-CHOP", "1960-03-02", "slides",
                     "mother", "CAR-T possible", "has lymphoma"):
        assert personal not in dump, personal
    assert "Other Person" in dump  # the other inquiry is untouched

    assert referrals.status_for_patient(session, reference, "+976 9911 2233") is None
    assert referrals.delete_personal_data(session, reference, "+976 9911 2233") is False
    with pytest.raises(PersonalDataDeleted):
        referrals.set_status(session, reference, "in_review", by="anna")
    assert referrals.get_inquiry(session, other).patient_name == "Other Person"


def test_transcript_resaved_by_rasa_after_deletion_is_purged(engine, session, inquiry_data):
    reference = referrals.submit_inquiry(session, inquiry_data(conversation_id="conv-x"))
    now = datetime.now(timezone.utc).timestamp()
    add_events(engine, "conv-x", [("user", "delete my data")], now - 5)
    assert referrals.delete_personal_data(session, reference, "bat.dorj@example.mn")
    # Rasa saves the turn's events again after the action ran, then the patient comes back days later
    add_events(engine, "conv-x", [("user", "delete my data"), ("bot", "Done.")], now - 5)
    add_events(engine, "conv-x", [("user", "hello again")], now + 3 * 86400)
    assert referrals.purge_deleted_transcripts(session) == 2
    assert [line.text for line in referrals.transcript(session, "conv-x")] == ["hello again"]


def test_transcript_reads_user_and_bot_messages_in_order(engine, session):
    events.create(engine, checkfirst=True)
    with engine.begin() as connection:
        rows = [("user", {"text": "Hi"}), ("action", {"name": "action_listen"}),
                ("bot", {"text": "Hello! How can I help?", "data": {"buttons": [{"title": "Referral", "payload": "/r"}]}}),
                ("slot", {"name": "x", "value": 1}), ("user", {"text": "My son has leukaemia"})]
        for number, (type_name, data) in enumerate(rows):
            connection.execute(events.insert().values(sender_id="s1", type_name=type_name,
                                                      timestamp=1700000000 + number, data=json.dumps(data)))
    lines = referrals.transcript(session, "s1")
    assert [(line.speaker, line.text) for line in lines] == [
        ("patient", "Hi"), ("bot", "Hello! How can I help?"), ("patient", "My son has leukaemia")]
    assert lines[1].buttons == ("Referral",)
    assert lines[0].at == datetime.fromtimestamp(1700000000, tz=timezone.utc)


def test_transcript_without_a_tracker_store_is_empty(session):
    assert referrals.transcript(session, "anyone") == []


# --- the coordinators' workflow -------------------------------------------------------------------------

def test_status_transitions_are_validated(session, inquiry_data, coordinators):
    reference = referrals.submit_inquiry(session, inquiry_data())
    with pytest.raises(InvalidTransition):
        referrals.set_status(session, reference, "answered", by="anna")  # new -> answered skips review
    with pytest.raises(InvalidTransition):
        referrals.set_status(session, reference, "new", by="anna")  # already new
    referrals.set_status(session, reference, Status.IN_REVIEW, by="anna")
    with pytest.raises(InvalidTransition) as raised:
        referrals.set_status(session, reference, "answered", by="anna")  # no reply written yet
    assert "reply" in say_error(raised.value)
    with pytest.raises(InvalidTransition):
        referrals.set_status(session, reference, "new", by="anna")
    with pytest.raises(ValidationError):
        referrals.set_status(session, reference, "archived", by="anna")
    referrals.set_status(session, reference, "closed", by="ben")
    with pytest.raises(InvalidTransition):
        referrals.reply_to_patient(session, reference, "Too late", by="anna")
    referrals.set_status(session, reference, "in_review", by="anna")  # reopened
    assert referrals.get_inquiry(session, reference).status == "in_review"
    changes = [(e.actor, e.details) for e in reversed(referrals.audit_entries(session, reference))
               if e.action == "status_changed"]
    assert changes == [("anna", "new -> in_review"), ("ben", "in_review -> closed"), ("anna", "closed -> in_review")]


def test_only_active_coordinators_act(session, inquiry_data, coordinators):
    reference = referrals.submit_inquiry(session, inquiry_data())
    with pytest.raises(UnknownCoordinator):
        referrals.set_status(session, reference, "in_review", by="mallory")
    referrals.set_active(session, "ben", False)
    with pytest.raises(UnknownCoordinator):
        referrals.add_note(session, reference, "hello", by="ben")
    with pytest.raises(UnknownCoordinator):
        referrals.assign(session, reference, "ben", by="anna")
    with pytest.raises(InquiryNotFound):
        referrals.set_status(session, "KR-0000000000", "in_review", by="anna")
    assert referrals.get_inquiry(session, reference).status == "new"


def test_assign_notes_and_reply(session, inquiry_data, coordinators):
    reference = referrals.submit_inquiry(session, inquiry_data())
    referrals.assign(session, reference, "ben", by="anna")
    assert referrals.get_inquiry(session, reference).assigned_to.username == "ben"
    referrals.add_note(session, reference, "  Asked for the PET-CT  ", by="ben")
    with pytest.raises(ValidationError):
        referrals.add_note(session, reference, "   ", by="ben")
    referrals.reply_to_patient(session, reference, "First answer", by="ben")
    referrals.reply_to_patient(session, reference, "Corrected answer", by="anna")
    inquiry = referrals.get_inquiry(session, reference)
    assert inquiry.reply_text == "Corrected answer" and inquiry.replied_by.username == "anna"
    assert inquiry.status == "answered"
    assert inquiry.notes[0].text == "Asked for the PET-CT" and inquiry.notes[0].author.username == "ben"
    assert "First answer" in inquiry.notes[1].text  # the replaced reply is kept internally
    referrals.assign(session, reference, None, by="anna")
    assert referrals.get_inquiry(session, reference).assigned_to is None
    referrals.view_inquiry(session, reference, by="anna")
    assert audit_actions(session, reference) == [
        ("patient", "submitted"), ("anna", "assigned"), ("ben", "note_added"), ("ben", "replied"),
        ("anna", "replied"), ("anna", "assigned"), ("anna", "viewed")]
    assert count(session, Note) == 2


# --- lists, filters, search, export ---------------------------------------------------------------------

@pytest.fixture()
def four_inquiries(session, inquiry_data, coordinators) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    refs = {
        "mongolia": referrals.submit_inquiry(session, inquiry_data(), now=now - timedelta(hours=30)),
        "kazakh": referrals.submit_inquiry(session, inquiry_data(
            conversation_id="c2", patient_name="Aigerim Nurlanova", country="Kazakhstan", language="Russian",
            diagnosis="Ovarian cancer, stage III", condition_id="ovarian_cancer",
            recommended_unit_id="smc_gynecologic_cancer_center",
            contact_email="aigerim@mail.kz", contact_phone="+7 701 234 5678"), now=now - timedelta(hours=3)),
        "child": referrals.submit_inquiry(session, inquiry_data(
            conversation_id="c3", patient_name="Temuulen", age_or_birth_date="6", diagnosis="ALL leukaemia 100%",
            recommended_unit_id="snuh_pediatric_hmo", contact_email="parent_1@example.mn", contact_phone=None),
            now=now - timedelta(minutes=10)),
        "uzbek": referrals.submit_inquiry(session, inquiry_data(
            conversation_id="c4", patient_name="Dilnoza Karimova", country="Uzbekistan", language="Uzbek",
            diagnosis="=HYPERLINK(\"http://evil.example\")", recommended_unit_id=None,
            contact_email="dilnoza@example.uz", contact_phone="+998 90 123 45 67"), now=now - timedelta(days=4)),
    }
    referrals.set_status(session, refs["kazakh"], "in_review", by="anna")
    referrals.assign(session, refs["kazakh"], "ben", by="anna")
    referrals.add_note(session, refs["uzbek"], "Needs an interpreter for Karakalpak", by="anna")
    return refs


def refs_of(session, **filters) -> list[str]:  # noqa: ANN001, ANN003
    return [i.reference for i in referrals.list_inquiries(session, InquiryFilter(**filters))]


def test_filters_and_search(session, four_inquiries):
    r = four_inquiries
    assert refs_of(session) == [r["child"], r["kazakh"], r["mongolia"], r["uzbek"]]  # newest first
    assert refs_of(session, status="in_review") == [r["kazakh"]]
    assert refs_of(session, status="new") == [r["child"], r["mongolia"], r["uzbek"]]
    assert refs_of(session, unit="snuh_hmo") == [r["mongolia"]]
    assert refs_of(session, country="Mongolia") == [r["child"], r["mongolia"]]
    assert refs_of(session, country="kz") == [r["kazakh"]]
    assert refs_of(session, language="русский") == [r["kazakh"]]
    assert refs_of(session, language="uz", status="new") == [r["uzbek"]]
    assert refs_of(session, assigned_to="ben") == [r["kazakh"]]
    assert refs_of(session, assigned_to="-") == [r["child"], r["mongolia"], r["uzbek"]]
    assert refs_of(session, search="aigerim") == [r["kazakh"]]
    assert refs_of(session, search="OVARIAN stage") == [r["kazakh"]]
    assert refs_of(session, search="ovarian lymphoma") == []  # every word must match
    assert refs_of(session, search="dilnoza@example") == [r["uzbek"]]
    assert refs_of(session, search="701-234") == [r["kazakh"]]
    assert refs_of(session, search="karakalpak") == [r["uzbek"]]  # internal notes are searched too
    assert refs_of(session, search=r["child"].lower()) == [r["child"]]
    assert refs_of(session, search="100%") == [r["child"]]
    assert refs_of(session, search="%") == [r["child"]]  # % is literal, not a wildcard
    assert refs_of(session, search="aigerim_mail") == []  # _ is literal too, not "any character" (the @)
    assert refs_of(session, search="parent_1") == [r["child"]]
    assert referrals.count_inquiries(session, InquiryFilter(country="MN")) == 2
    with pytest.raises(ValidationError):
        referrals.list_inquiries(session, InquiryFilter(country="Atlantis"))
    options = referrals.filter_options(session)
    assert options.countries == ["KZ", "MN", "UZ"]
    assert options.units == ["smc_gynecologic_cancer_center", "snuh_hmo", "snuh_pediatric_hmo"]


def test_csv_export_of_a_filtered_list(session, four_inquiries):
    r = four_inquiries
    text = referrals.export_csv(session, InquiryFilter(status="new", search="example"), by="anna")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == referrals.CSV_COLUMNS
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [rec["reference"] for rec in records] == [r["child"], r["mongolia"], r["uzbek"]]
    uzbek = records[2]
    assert uzbek["diagnosis"].startswith("'=HYPERLINK")  # a spreadsheet will not run it
    assert uzbek["contact_phone"] == "+998901234567" and uzbek["country_name"] == "Uzbekistan"
    assert records[1]["wants"] == "second_opinion;car_t" and records[1]["has_imaging"] == "no"
    exported = referrals.audit_entries(session, actor="anna")[0]
    assert exported.action == "exported"
    assert exported.details == "3 inquiries; status=new, search=(hidden)"


# --- accounts -------------------------------------------------------------------------------------------

def test_accounts_store_hashes_and_authenticate(session):
    created = referrals.create_coordinator(session, "Anna", "correct horse battery", "Anna Kim")
    assert created.username == "anna"
    assert "correct horse battery" not in created.password_hash
    assert created.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert referrals.authenticate(session, "ANNA ", "correct horse battery").username == "anna"
    assert referrals.authenticate(session, "anna", "correct horse batterY") is None
    assert referrals.authenticate(session, "nobody", "correct horse battery") is None
    with pytest.raises(ValidationError):
        referrals.create_coordinator(session, "anna", "another long password")
    with pytest.raises(ValidationError):
        referrals.create_coordinator(session, "short", "tooshort")
    with pytest.raises(ValidationError):
        referrals.create_coordinator(session, "bad name!", "another long password")
    referrals.set_password(session, "anna", "a brand new password")
    assert referrals.authenticate(session, "anna", "correct horse battery") is None
    assert referrals.authenticate(session, "anna", "a brand new password") is not None
    referrals.set_active(session, "anna", False)
    assert referrals.authenticate(session, "anna", "a brand new password") is None


def test_the_chats_language_is_kept_beside_the_preferred_language(session, inquiry_data):
    reference = referrals.submit_inquiry(session, inquiry_data(chat_language="ko", language="English"))
    inquiry = referrals.get_inquiry(session, reference)
    assert (inquiry.chat_language, inquiry.language) == ("ko", "en")
    older = referrals.get_inquiry(session, referrals.submit_inquiry(session, inquiry_data(conversation_id="c2")))
    assert older.chat_language is None
    with pytest.raises(referrals.ValidationError) as raised:
        referrals.submit_inquiry(session, inquiry_data(conversation_id="c3", chat_language="klingon"))
    assert raised.value.field == "chat_language"


def test_a_database_from_before_the_chats_language_gets_the_column(engine):
    from sqlalchemy import inspect, text

    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE referral_inquiries DROP COLUMN chat_language"))
    assert "chat_language" not in {c["name"] for c in inspect(engine).get_columns("referral_inquiries")}
    referrals.create_schema(engine)
    assert "chat_language" in {c["name"] for c in inspect(engine).get_columns("referral_inquiries")}
