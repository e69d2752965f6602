"""The fields of an inquiry as the chat form collects them: what each is called, whether it is required,
and `clean_field(name, value)`, which a form's `validate_<slot>` can call to check one answer."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from languages import LANGUAGES
from referrals.enums import Relation, StageOfCare, Want, Writer
from referrals.errors import ConsentRequired, ValidationError
from referrals.places import normalise_country, normalise_language
from referrals.validation import (
    AgeOrBirthDate, clean_text, normalise_email, normalise_phone, parse_age_or_birth_date, parse_yes_no,
)

MAX_TEXT = 4000
_IDENTIFIER = re.compile(r"^[\w.:/+-]{1,100}$")


@dataclass(frozen=True)
class FieldSpec:
    """One field of `submit_inquiry`'s `data`."""

    name: str
    label: str
    required: bool
    note: str = ""


INQUIRY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("conversation_id", "Conversation id (the Rasa sender id)", True),
    FieldSpec("consent", "Consent to store and use the inquiry's personal and health data", True,
              "True when given now; or pass consent_given_at (an aware datetime)."),
    FieldSpec("consent_version", "Version of the privacy notice agreed to", False),
    FieldSpec("writer", "Who is writing", True, "Writer value or label"),
    FieldSpec("relation", "Relation to the patient", False, "Required when writer is 'relative'"),
    FieldSpec("writer_name", "Writer's name", False, "Only when writer is 'relative'"),
    FieldSpec("patient_name", "Patient's name", True),
    FieldSpec("age_or_birth_date", "Patient's age or date of birth", True,
              "Text, an int (age) or a date; alternatively pass age and/or birth_date"),
    FieldSpec("country", "Country the patient lives in", True, "Name or ISO code; stored as ISO alpha-2"),
    FieldSpec("language", "Preferred language", True, "Name or ISO 639 code"),
    FieldSpec("chat_language", "Language the chat was written in", False, "One of the bot's language codes"),
    FieldSpec("diagnosis", "Diagnosis in the patient's own words", True),
    FieldSpec("condition_id", "Normalised condition id", False),
    FieldSpec("recommended_unit_id", "Recommended unit id (knowledge store)", False),
    FieldSpec("stage", "Stage of care", True, "StageOfCare value or label"),
    FieldSpec("wants", "What the patient wants", True, "One or more Want values (list or comma-separated)"),
    FieldSpec("treatment_history", "Treatment so far", False),
    FieldSpec("questions", "Questions for the coordinators", False),
    FieldSpec("has_records", "Has medical records", False, "yes/no"),
    FieldSpec("has_pathology", "Has pathology (biopsy) report or slides", False, "yes/no"),
    FieldSpec("has_imaging", "Has imaging (CT, MRI, PET) with the images", False, "yes/no"),
    FieldSpec("travel_plans", "Travel plans (when, with whom, visa)", False),
    FieldSpec("contact_email", "Contact email", False, "Email and/or phone is required"),
    FieldSpec("contact_phone", "Contact phone with country code", False, "Email and/or phone is required"),
)
FIELD_NAMES = frozenset(spec.name for spec in INQUIRY_FIELDS) | {"age", "birth_date", "consent_given_at"}


def _identifier(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _IDENTIFIER.match(value.strip()):
        raise ValidationError("referral.invalid.identifier", field=field)
    return value.strip()


def _wants(value: Any, field: str = "wants") -> tuple[Want, ...]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[,;\n]", value) if part.strip()]
    if isinstance(value, Want):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)) or not value:
        raise ValidationError("referral.invalid.wants_none", field=field)
    chosen = {Want.parse(item, field=field) for item in value}
    return tuple(want for want in Want if want in chosen)


def _chat_language(value: Any, field: str) -> str | None:
    """One of the bot's language codes, or None when not given."""
    if value in (None, ""):
        return None
    if value not in LANGUAGES:
        raise ValidationError("referral.invalid.chat_language", field=field)
    return value


def _conversation_id(value: Any, field: str) -> str:
    """Rasa's sender id exactly as received, never stripped or collapsed: the inquiry's transcript is
    read and erased by equality with the tracker store's `sender_id` (255 characters at most there)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("referral.invalid.conversation_id_missing", field=field)
    if len(value) > 255 or "\x00" in value:
        raise ValidationError("referral.invalid.conversation_id", field=field)
    return value


def _name(value: Any, field: str, required: bool) -> str | None:
    cleaned = clean_text(value, field, max_length=200, required=required, one_line=True)
    if cleaned is not None and not any(ch.isalpha() for ch in cleaned):
        raise ValidationError(f"referral.invalid.{field}.no_letters", field=field)
    return cleaned


def clean_field(name: str, value: Any, *, today: date | None = None) -> Any:
    """Check and normalise one answer; raise `ValidationError` (with `.field == name`) if it is wrong.

    Returns: Writer / Relation / StageOfCare members; a tuple of Want for `wants`; an `AgeOrBirthDate`
    for `age_or_birth_date`; an ISO code for `country` and `language`; E.164 for `contact_phone`; the
    normalised address for `contact_email`; bool or None for the yes/no fields; cleaned text otherwise.
    """
    if name == "writer":
        return Writer.parse(value, field=name)
    if name == "relation":
        return None if value in (None, "") else Relation.parse(value, field=name)
    if name == "stage":
        return StageOfCare.parse(value, field=name)
    if name == "wants":
        return _wants(value, name)
    if name in ("age_or_birth_date", "age", "birth_date"):
        return parse_age_or_birth_date(value, today=today, field=name)
    if name == "country":
        return normalise_country(value, field=name)
    if name == "language":
        return normalise_language(value, field=name)
    if name == "chat_language":
        return _chat_language(value, name)
    if name == "contact_email":
        return normalise_email(value, field=name)
    if name == "contact_phone":
        return normalise_phone(value, field=name)
    if name in ("has_records", "has_pathology", "has_imaging"):
        return parse_yes_no(value, field=name)
    if name == "patient_name":
        return _name(value, name, required=True)
    if name == "writer_name":
        return _name(value, name, required=False)
    if name == "diagnosis":
        return clean_text(value, name, max_length=MAX_TEXT, required=True)
    if name in ("treatment_history", "questions", "travel_plans"):
        return clean_text(value, name, max_length=MAX_TEXT)
    if name in ("condition_id", "recommended_unit_id"):
        return _identifier(value, name)
    if name == "conversation_id":
        return _conversation_id(value, name)
    if name == "consent_version":
        return clean_text(value, name, max_length=40, one_line=True)
    if name in ("consent", "consent_given_at"):
        raise ValidationError("referral.invalid.consent_elsewhere", field=name)
    raise KeyError(f"unknown inquiry field {name!r}")


def _consent_time(data: Mapping[str, Any], now: datetime) -> datetime:
    given_at = data.get("consent_given_at")
    if isinstance(given_at, datetime):
        if given_at.tzinfo is None:
            raise TypeError("consent_given_at must be timezone-aware")
        if given_at > now + timedelta(minutes=5):
            raise ValidationError("referral.invalid.consent_time_future", field="consent")
        return given_at.astimezone(timezone.utc)
    consent = data.get("consent")
    if consent is True or (isinstance(consent, str) and parse_yes_no_quiet(consent) is True):
        return now
    raise ConsentRequired()


def parse_yes_no_quiet(value: str) -> bool | None:
    try:
        return parse_yes_no(value, "consent")
    except ValidationError:
        return None


def clean_inquiry(data: Mapping[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Check a whole inquiry and return the column values for `Inquiry(**values)`.

    Raises `ConsentRequired` first when consent is missing, then one `ValidationError` whose `errors`
    lists every wrong or missing field. Unknown keys are a programming error (`TypeError`)."""
    unknown = set(data) - FIELD_NAMES
    if unknown:
        raise TypeError(f"unknown inquiry fields: {', '.join(sorted(unknown))}")
    now = now or datetime.now(timezone.utc)
    consent_given_at = _consent_time(data, now)
    errors: dict[str, ValidationError] = {}
    values: dict[str, Any] = {"consent_given_at": consent_given_at}

    def take(name: str, source: str | None = None) -> Any:
        try:
            return clean_field(name, data.get(source or name), today=now.date())
        except ValidationError as error:
            errors.setdefault(source or name, error)
            return None

    for name in ("conversation_id", "consent_version", "patient_name", "country", "language", "chat_language", "diagnosis",
                 "condition_id", "recommended_unit_id", "treatment_history", "questions", "has_records",
                 "has_pathology", "has_imaging", "travel_plans"):
        values[name] = take(name)

    writer = take("writer")
    values["writer"] = writer.value if writer else None
    relation = take("relation")
    if writer is Writer.RELATIVE:
        if relation is None and "relation" not in errors:
            errors["relation"] = ValidationError("referral.invalid.relation_missing", field="relation")
        values["relation"] = relation.value if relation else None
        values["writer_name"] = take("writer_name")
    else:
        values["relation"] = None
        values["writer_name"] = None
    stage = take("stage")
    values["stage"] = stage.value if stage else None
    wants = take("wants")
    values["wants"] = [want.value for want in wants] if wants else []

    # age: free text, or age and/or birth_date given separately
    age_result: AgeOrBirthDate | None = None
    if data.get("age_or_birth_date") not in (None, ""):
        age_result = take("age_or_birth_date")
    else:
        from_date = take("birth_date") if data.get("birth_date") not in (None, "") else None
        from_age = take("age") if data.get("age") not in (None, "") else None
        if from_date and from_age and from_date.age != from_age.age:
            errors["age"] = ValidationError("referral.invalid.age_mismatch", field="age")
        age_result = from_date or from_age
        if age_result is None and not ({"age", "birth_date"} & set(errors)):
            errors["age_or_birth_date"] = ValidationError("referral.invalid.age", field="age_or_birth_date")
    values["age"] = age_result.age if age_result else None
    values["birth_date"] = age_result.birth_date if age_result else None

    email = take("contact_email") if data.get("contact_email") not in (None, "") else None
    phone = take("contact_phone") if data.get("contact_phone") not in (None, "") else None
    if email is None and phone is None and not ({"contact_email", "contact_phone"} & set(errors)):
        errors["contact_email"] = ValidationError("referral.invalid.contact_missing", field="contact_email")
    values["contact_email"], values["contact_phone"] = email, phone

    if errors:
        # the first field's error, listing every field's (shown as one sentence each)
        first_field, first = next(iter(errors.items()))
        raise ValidationError(first.message_id, field=first_field, errors=errors, **first.params)
    return values
