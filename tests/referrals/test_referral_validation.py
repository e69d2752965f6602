"""The validators the chat form and the store share: email, phone, age or date of birth, enums,
references, countries and languages."""
from __future__ import annotations

from datetime import date

import pytest

import referrals
from messages import say_error
from referrals import (
    AgeOrBirthDate, Relation, StageOfCare, Status, ValidationError, Want, Writer, clean_field, normalise_country,
    normalise_email, normalise_language, normalise_phone, normalise_reference, parse_age_or_birth_date,
)
from referrals.references import ALPHABET, new_reference

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(("typed", "expected"), [
    ("anna@example.com", "anna@example.com"),
    ("  Anna.Kim+care@Example.COM \n", "anna.kim+care@example.com"),
    ("mailto:bat@gmail.com", "bat@gmail.com"),
    ("<bat@mail.ru>", "bat@mail.ru"),
    ("ivan@почта.рф", "ivan@xn--80a1acny.xn--p1ai"),
    ("o'brien@example.co.uk", "o'brien@example.co.uk"),
])
def test_email_is_normalised(typed, expected):
    assert normalise_email(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "anna", "anna@", "@example.com", "anna@example", "anna@@example.com", "an na@example.com",
    "anna@example.c", "anna@-example.com", ".anna@example.com", "an..na@example.com", "anna@exa_mple.com",
    "a" * 65 + "@example.com", None, 42,
])
def test_malformed_email_is_rejected_with_a_helpful_message(typed):
    with pytest.raises(ValidationError) as raised:
        normalise_email(typed)
    assert "name@example.com" in say_error(raised.value)
    assert raised.value.field == "contact_email"


@pytest.mark.parametrize(("typed", "expected"), [
    ("+82 10-1234-5678", "+821012345678"),
    ("0082 10 1234 5678", "+821012345678"),
    ("+7 (701) 234-56-78", "+77012345678"),
    ("+44 (0)20 7946 0958", "+442079460958"),
    ("+976 9911.2233", "+97699112233"),
    ("tel:+998901234567", "+998901234567"),
    ("+1 415 555 0100", "+14155550100"),
    ("+٩٧١ ٥٠ ١٢٣ ٤٥٦٧", "+971501234567"),      # Arabic-Indic digits
    ("＋８６ １３８ ０００ ００００", "+861380000000"),  # fullwidth, as a Chinese keyboard types it
])
def test_phone_is_normalised_to_e164(typed, expected):
    assert normalise_phone(typed) == expected


def test_phone_without_country_code_asks_for_it():
    for typed in ("010-1234-5678", "9911 2233"):
        with pytest.raises(ValidationError) as raised:
            normalise_phone(typed)
        assert "country code" in say_error(raised.value) and "+" in say_error(raised.value)


@pytest.mark.parametrize("typed", [
    "+999 1234 5678",        # no such country code
    "+0 1234 5678",          # a country code never starts with 0
    "+82 12",                # too short
    "+82 1234 5678 9012 345",  # longer than E.164 allows
    "+82 10 CALL NOW",
    "", None,
])
def test_impossible_phone_is_rejected(typed):
    with pytest.raises(ValidationError) as raised:
        normalise_phone(typed)
    assert raised.value.field == "contact_phone"


@pytest.mark.parametrize(("typed", "age", "born"), [
    ("45", 45, None),
    ("45 years", 45, None),
    ("45 years old", 45, None),
    ("Age 45", 45, None),
    ("8 months", 0, None),
    ("30 months old", 2, None),
    (45, 45, None),
    ("1979-03-02", 46, date(1979, 3, 2)),
    ("1979.03.02", 46, date(1979, 3, 2)),
    ("02.03.1979", 46, date(1979, 3, 2)),
    ("2 March 1979", 46, date(1979, 3, 2)),
    ("2nd of March, 1979", 46, date(1979, 3, 2)),
    ("March 2, 1979", 46, date(1979, 3, 2)),
    ("15 June 1979", 46, date(1979, 6, 15)),   # birthday today
    ("16 Jun 1979", 45, date(1979, 6, 16)),    # birthday tomorrow
    ("25/12/1980", 44, date(1980, 12, 25)),    # only one reading possible
    (date(2020, 1, 1), 5, date(2020, 1, 1)),
    # in the patients' other languages and scripts
    ("만 45세", 45, None), ("5岁", 5, None), ("45 настай", 45, None), ("عمره 45 سنة", 45, None),
    ("٤٥ سنة", 45, None), ("8개월", 0, None), ("30 месяцев", 2, None),
    ("1979년 3월 2일", 46, date(1979, 3, 2)), ("1979年3月2日", 46, date(1979, 3, 2)),
    ("2 марта 1979", 46, date(1979, 3, 2)), ("2 مارس 1979", 46, date(1979, 3, 2)),
])
def test_age_or_birth_date_is_read(typed, age, born):
    assert parse_age_or_birth_date(typed, today=TODAY) == AgeOrBirthDate(age=age, birth_date=born)


@pytest.mark.parametrize(("typed", "hint"), [
    ("150", "over 120"),
    ("1890-01-01", "over 120"),
    ("2030-01-01", "future"),
    ("1979-02-30", "does not exist"),
    ("31 April 1979", "does not exist"),
    ("03/04/1979", "month as a word"),
    ("1979", "full date of birth"),
    ("-5", "age in years"),
    ("forty", "age in years"),
    ("", "age in years"),
    (True, "age in years"),
])
def test_impossible_or_unclear_age_is_rejected(typed, hint):
    with pytest.raises(ValidationError) as raised:
        parse_age_or_birth_date(typed, today=TODAY)
    assert hint in say_error(raised.value)


def test_enums_have_the_agreed_values_and_labels():
    assert Status.values() == ("new", "in_review", "answered", "closed")
    assert Writer.values() == ("patient", "relative")
    assert StageOfCare.values() == ("suspected", "biopsy_or_pathology_done", "treated", "relapsed")
    assert Want.values() == ("second_opinion", "treatment", "transplant", "car_t", "clinical_trial", "follow_up")
    for enum in (Status, Writer, Relation, StageOfCare, Want):
        labels = [label for _value, label in enum.choices()]
        assert all(labels) and len(set(labels)) == len(labels)
    assert Status.NEW == "new" and str(Status.IN_REVIEW) == "in_review"


def test_enum_parse_accepts_values_and_labels_and_lists_the_choices_otherwise():
    assert Want.parse("CAR-T cell therapy") is Want.CAR_T
    assert Want.parse("car_t") is Want.CAR_T
    assert StageOfCare.parse(" Relapsed ") is StageOfCare.RELAPSED
    with pytest.raises(ValidationError) as raised:
        StageOfCare.parse("cured", field="stage")
    assert raised.value.field == "stage"
    assert StageOfCare.SUSPECTED.label in say_error(raised.value)


def test_references_are_random_crockford_base32():
    generated = {new_reference() for _ in range(2000)}
    assert len(generated) == 2000
    assert all(referrals.REFERENCE_PATTERN.match(ref) for ref in generated)
    used = set("".join(ref[3:] for ref in generated))
    assert used <= set(ALPHABET) and not used & set("ILOU")
    assert len(used) == 32  # every character of the alphabet turns up: not a counter


def test_typed_references_are_read_leniently():
    assert normalise_reference("kr-abcd efgh jk") == "KR-ABCDEFGHJK"
    assert normalise_reference("KR-0O1IL23456") == "KR-0011123456"  # O->0, I/L->1
    assert normalise_reference("ABCDEFGHJK") == "KR-ABCDEFGHJK"
    for bad in ("KR-ABCDEFGHJ", "KR-ABCDEFGHJKM", "KR-ABCDEFGHJU", "", None, "KR-ABC%EFGHJK"):
        assert normalise_reference(bad) is None


@pytest.mark.parametrize(("typed", "code"), [
    ("Mongolia", "MN"), ("mn", "MN"), ("Монголия", "MN"), ("Kazakhstan", "KZ"), ("Қазақстан", "KZ"),
    ("USA", "US"), ("Russian Federation", "RU"), ("Россия", "RU"), ("the Philippines", "PH"), ("Việt Nam", "VN"),
    # short names as patients write them in their own language, Arabic with and without hamza
    ("السعودية", "SA"), ("الإمارات", "AE"), ("الامارات", "AE"), ("الأردن", "JO"), ("الاردن", "JO"),
    ("蒙古国", "MN"), ("사우디", "SA"), ("РФ", "RU"), ("Монгол Улс", "MN"), ("ОХУ", "RU"),
])
def test_countries_become_iso_codes(typed, code):
    assert normalise_country(typed) == code


@pytest.mark.parametrize(("typed", "code"), [
    ("English", "en"), ("ru", "ru"), ("русский", "ru"), ("Mongolian", "mn"), ("Монгол хэл", "mn"),
    ("zh-CN", "zh"), ("Kazakh", "kk"), ("العربية", "ar"), ("Bahasa Indonesia", "id"),
])
def test_languages_become_iso_codes(typed, code):
    assert normalise_language(typed) == code


def test_unknown_country_and_language_are_rejected():
    with pytest.raises(ValidationError):
        normalise_country("Atlantis")
    with pytest.raises(ValidationError):
        normalise_language("Klingonese")


def test_clean_field_is_what_a_form_slot_validator_calls():
    assert clean_field("writer", "I am the patient") is Writer.PATIENT
    assert clean_field("wants", "second_opinion, clinical_trial") == (Want.SECOND_OPINION, Want.CLINICAL_TRIAL)
    assert clean_field("has_imaging", "Yes") is True
    assert clean_field("country", "Mongolia") == "MN"
    assert clean_field("contact_phone", "+82 10 1234 5678") == "+821012345678"
    assert clean_field("patient_name", "  Dorj   Bold ") == "Dorj Bold"
    with pytest.raises(ValidationError) as raised:
        clean_field("patient_name", "12345")
    assert raised.value.field == "patient_name"
    with pytest.raises(ValidationError):
        clean_field("wants", [])
    with pytest.raises(ValidationError):
        clean_field("has_records", "perhaps")
    with pytest.raises(KeyError):
        clean_field("shoe_size", "42")
    assert [spec.name for spec in referrals.INQUIRY_FIELDS if spec.required] == [
        "conversation_id", "consent", "writer", "patient_name", "age_or_birth_date", "country", "language",
        "diagnosis", "stage", "wants"]


@pytest.mark.parametrize(("typed", "answer"), [
    ("yes", True), ("네", True), ("да", True), ("是的", True), ("тийм", True), ("نعم", True),
    ("no", False), ("아니요", False), ("нет", False), ("没有", False), ("үгүй", False), ("لا", False),
    ("", None),
])
def test_yes_or_no_is_read_in_every_language(typed, answer):
    from referrals.validation import parse_yes_no

    assert parse_yes_no(typed, "consent") is answer
