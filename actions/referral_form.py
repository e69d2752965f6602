"""The referral inquiry form: one question at a time, each answer checked with the referrals package's
validators, a summary to confirm, then the inquiry stored with its recommended unit
(`actions.inquiry_submission`).

Consent is asked first: without it nothing is collected, and the public contact is given instead.
Every form slot uses a custom mapping filled here from the latest message (see `answer_text`), so a
question asked mid-form ("what is CAR-T?") or an emergency is not taken as an answer: the form
rejects the turn, the rules answer it, and the form asks its question again. Yes/no answers (consent,
the summary) are read in the patient's own words by `actions.form_answers`.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import whole_number
from actions.form_answers import Kind, is_bare_confirmation, read_answer
from actions.store import StoreUnavailable, query_store
from knowledge.matcher import get_matcher
from knowledge.queries import route_patient
from messages import say, say_error
from referrals import (
    Relation, StageOfCare, ValidationError, Want, Writer, clean_field, country_name, language_name,
    new_submission_key,
)


FORM = "referral_form"
FORM_SLOTS = (
    "inquiry_consent", "inquiry_writer", "inquiry_relation", "inquiry_patient_name", "inquiry_age",
    "inquiry_country", "inquiry_language", "inquiry_diagnosis", "inquiry_stage", "inquiry_wants",
    "inquiry_documents", "inquiry_travel", "inquiry_contact", "inquiry_confirmed",
)
# Slots the form fills on the side (not asked for). The submission key is made when the patient consents
# and stored with the inquiry, so that one form never stores two inquiries (referrals.submissions).
DERIVED_SLOTS = ("inquiry_condition_id", "inquiry_unit_id", "inquiry_unit_name", "inquiry_submission_key")
# inquiry_confirmed when a bare "send it" arrives after this conversation's inquiry was sent
ALREADY_SENT = "already_sent"
# Intents that are never an answer to a form question: the rules handle them, then the form resumes.
INTERRUPTING_INTENTS = {"emergency", "stop"}
SKIP_WORDS = {"skip", "none", "no", "no plans", "not yet", "n/a", "na", "-", "nothing", "no plans yet"}

# The answers the patient can change at the summary (the patient's words for each: actions.form_answers),
# with the message that says which one will be asked again.
CHANGE_MESSAGE = {
    "inquiry_writer": "inquiry.change.writer", "inquiry_patient_name": "inquiry.change.patient_name",
    "inquiry_age": "inquiry.change.age", "inquiry_country": "inquiry.change.country",
    "inquiry_language": "inquiry.change.language", "inquiry_diagnosis": "inquiry.change.diagnosis",
    "inquiry_stage": "inquiry.change.stage", "inquiry_wants": "inquiry.change.wants",
    "inquiry_documents": "inquiry.change.documents", "inquiry_travel": "inquiry.change.travel",
    "inquiry_contact": "inquiry.change.contact",
}
# The labelled answers (referrals.enums) as the patient reads them: `inquiry.<kind>.<value>` in the catalog.
LABELLED = {"writer": Writer, "relation": Relation, "stage": StageOfCare, "want": Want}
WANT_WORDS: dict[Want, tuple[str, ...]] = {
    Want.SECOND_OPINION: ("second opinion", "opinion", "review", "advice"),
    Want.TREATMENT: ("treatment", "treat", "surgery", "operation", "chemo", "therapy"),
    Want.TRANSPLANT: ("transplant", "bone marrow", "stem cell"),
    Want.CAR_T: ("car-t", "car t", "cart"),
    Want.CLINICAL_TRIAL: ("trial", "study", "studies"),
    Want.FOLLOW_UP: ("follow", "check", "checkup", "monitor"),
}
DOCUMENT_WORDS = {
    "has_records": ("record", "report", "letter", "summary", "all"),
    "has_pathology": ("patholog", "biopsy", "slide", "all"),
    "has_imaging": ("imag", "scan", "ct", "mri", "pet", "x-ray", "xray", "all"),
}
SHOWN_AGE = re.compile(r"^\d{1,3}( \(born \d{4}-\d{2}-\d{2}\))?$")  # the age as validate_inquiry_age keeps it
EMAIL_IN_TEXT = re.compile(r"[^\s,;<>]+@[^\s,;<>]+")
PHONE_IN_TEXT = re.compile(r"\+?[\d][\d\s().-]{6,}\d")


def answer_text(tracker: Tracker) -> str | None:
    """The latest message as an answer to the form's question, or None when it is not one: an
    emergency, a stop, a button for another intent, or a question (it ends with '?')."""
    text = (tracker.latest_message.get("text") or "").strip()
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "stop" and tracker.get_slot("requested_slot") == "inquiry_confirmed" \
            and read_answer(text).kind is Kind.CHANGE:
        return text  # "no stop, the email is wrong" at the summary corrects an answer, it does not leave
    if not text or text.startswith("/") or intent in INTERRUPTING_INTENTS:
        return None
    if text.endswith("?") and tracker.get_slot("requested_slot") not in ("inquiry_diagnosis",):
        return None
    return text


def answers_now(tracker: Tracker) -> bool:
    """Whether the form runs on the patient's latest message (right after it), rather than coming back
    after another action of the same turn: after a failed save, say, the "send it" that caused it must
    not be taken again, or every failure would retry at once, within the same answer. (Rasa hands the
    validation a tracker whose latest action is the form itself, so the events tell.)"""
    events = list(tracker.events or [])
    last_user = max((i for i, event in enumerate(events) if event.get("event") == "user"), default=-1)
    ran = {event.get("name") for event in events[last_user + 1:] if event.get("event") == "action"}
    return all(name in ("action_listen", "action_extract_slots") or str(name).endswith("_form") for name in ran)


def requested_answer(tracker: Tracker, form_slots: tuple[str, ...]) -> list[EventType]:
    """Fill the slot the form asked for with the latest answer, if the message is one."""
    requested = tracker.get_slot("requested_slot")
    answer = answer_text(tracker)
    if requested not in form_slots or answer is None or not answers_now(tracker):
        return []
    return [SlotSet(requested, answer)]


def answer_label(kind: str, value: object) -> str:
    """The patient's words for the value of a labelled answer (`kind` is a key of LABELLED)."""
    return say(f"inquiry.{kind}.{LABELLED[kind].parse(value).value}")


def choices(kind: str) -> str:
    """Every label of a labelled answer, as the list a re-asked question offers."""
    return "; ".join(answer_label(kind, member) for member in LABELLED[kind])


def parse_wants(text: str) -> list[str]:
    lowered = text.casefold()
    chosen = []
    for want in Want:
        if want.label.casefold() in lowered or want.value in lowered.replace(" ", "_") or any(
                word in lowered for word in WANT_WORDS[want]):
            chosen.append(want.value)
    return chosen


def parse_documents(text: str) -> dict[str, bool] | None:
    lowered = text.casefold()
    if lowered.strip(" .!") in {"none", "no", "nothing", "not yet", "none yet", "no documents"}:
        return {name: False for name in DOCUMENT_WORDS}
    found = {name: any(word in lowered for word in words) for name, words in DOCUMENT_WORDS.items()}
    return found if any(found.values()) else None


def parse_contact(text: str) -> dict[str, str]:
    """An email and/or a phone number (with country code) from one answer; raises ValidationError."""
    contact: dict[str, str] = {}
    email = EMAIL_IN_TEXT.search(text)
    if email:
        contact["email"] = clean_field("contact_email", email.group(0).rstrip("."))
    phone = PHONE_IN_TEXT.search(EMAIL_IN_TEXT.sub(" ", text))
    if phone:
        contact["phone"] = clean_field("contact_phone", phone.group(0))
    if not contact:
        raise ValidationError("inquiry.invalid.contact", field="contact")
    return contact


def summary_text(slots: dict[str, Any]) -> str:
    """The inquiry as the patient will confirm it."""
    docs = slots.get("inquiry_documents") or {}
    shared = [label for key, label in (("has_records", say("inquiry.summary.document.records")),
                                       ("has_pathology", say("inquiry.summary.document.pathology")),
                                       ("has_imaging", say("inquiry.summary.document.imaging"))) if docs.get(key)]
    contact = slots.get("inquiry_contact") or {}
    writer = answer_label("writer", slots["inquiry_writer"])
    relation = answer_label("relation", slots["inquiry_relation"]) if slots.get("inquiry_relation") else None
    wants = "; ".join(answer_label("want", want) for want in slots.get("inquiry_wants") or [])
    travel = slots.get("inquiry_travel")
    items = [
        say("inquiry.summary.writer_relation", writer=writer, relation=relation) if relation
        else say("inquiry.summary.writer", writer=writer),
        say("inquiry.summary.patient", name=slots.get("inquiry_patient_name"), age=slots.get("inquiry_age")),
        say("inquiry.summary.country_language", country=country_name(slots.get("inquiry_country")),
            language=language_name(slots.get("inquiry_language"))),
        say("inquiry.summary.diagnosis", diagnosis=slots.get("inquiry_diagnosis")),
        say("inquiry.summary.stage", stage=answer_label("stage", slots["inquiry_stage"])),
        say("inquiry.summary.wants", wants=wants),
        say("inquiry.summary.documents", documents=", ".join(shared)) if shared
        else say("inquiry.summary.no_documents"),
        say("inquiry.summary.travel", travel=travel) if travel != "none" else say("inquiry.summary.no_travel"),
        say("inquiry.summary.contact", contact=", ".join(contact.values())),
    ]
    if slots.get("inquiry_unit_name"):
        items.append(say("inquiry.summary.unit", unit=slots["inquiry_unit_name"]))
    lines = [say("inquiry.summary.lead"), *(f"- {item}" for item in items), "", say("inquiry.summary.confirm")]
    return "\n".join(lines)


class ValidateReferralForm(FormValidationAction):
    """Fills the requested slot from the latest answer and checks it; a wrong answer is re-asked
    with a message that says what to type, and nothing already answered is lost."""

    def name(self) -> str:
        return "validate_referral_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("inquiry_consent") is False:
            return []  # no consent: the form ends and nothing else is asked
        slots = list(domain_slots)
        if tracker.get_slot("inquiry_writer") != Writer.RELATIVE.value:
            slots.remove("inquiry_relation")
        return slots

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if repeats_a_sent_inquiry(tracker):
            # the form ends before asking anything; action_finish_inquiry repeats the reference
            return [SlotSet("inquiry_confirmed", ALREADY_SENT), SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        return requested_answer(tracker, FORM_SLOTS)

    # Each validate_<slot> gets the raw answer and returns the normalised value, or None to re-ask. A
    # value may also be one these methods returned before (the form validates filled slots again when
    # it is started with them, after an answer from the action server was lost): it is kept as it is.

    def validate_inquiry_consent(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if isinstance(value, bool):
            consent = value
        else:
            kind = read_answer(value).kind
            consent = True if kind is Kind.YES else False if kind in (Kind.NO, Kind.CANCEL) else None
        if consent is None:
            dispatcher.utter_message(text=say("inquiry.invalid.consent"))
            return {"inquiry_consent": None}
        if consent and not tracker.get_slot("inquiry_submission_key"):
            return {"inquiry_consent": True, "inquiry_submission_key": new_submission_key()}
        return {"inquiry_consent": consent}

    def validate_inquiry_writer(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value).casefold()
        try:
            return {"inquiry_writer": Writer.parse(value).value}
        except ValidationError:
            pass
        if any(word in text for word in ("me", "myself", "patient", "i am", "i'm", "mine")) and "for my" not in text:
            return {"inquiry_writer": Writer.PATIENT.value}
        cue = get_matcher().age_cue(str(value))
        if cue.relation and cue.relation != "self" or any(w in text for w in ("relative", "family", "friend", "for my")):
            return {"inquiry_writer": Writer.RELATIVE.value}
        dispatcher.utter_message(text=say("inquiry.invalid.writer"))
        return {"inquiry_writer": None}

    def validate_inquiry_relation(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        try:
            return {"inquiry_relation": Relation.parse(value).value}
        except ValidationError:
            pass
        relation_by_cue = {"mother": "parent", "father": "parent", "son": "child", "daughter": "child",
                           "spouse": "spouse_or_partner", "sibling": "sibling", "grandparent": "other_relative",
                           "other_relative": "other_relative"}
        cue = get_matcher().age_cue(f"my {value}")
        if cue.relation in relation_by_cue:
            return {"inquiry_relation": relation_by_cue[cue.relation]}
        if "friend" in str(value).casefold():
            return {"inquiry_relation": Relation.FRIEND.value}
        dispatcher.utter_message(text=say("inquiry.invalid.relation", choices=choices("relation")))
        return {"inquiry_relation": None}

    def _checked(self, slot: str, field: str, value: Any, dispatcher) -> dict[str, Any]:
        try:
            cleaned = clean_field(field, value)
        except ValidationError as error:
            dispatcher.utter_message(text=say_error(error))
            return {slot: None}
        return {slot: cleaned}

    def validate_inquiry_patient_name(self, value, dispatcher, tracker, domain):
        return self._checked("inquiry_patient_name", "patient_name", value, dispatcher)

    def validate_inquiry_age(self, value, dispatcher, tracker, domain):
        if SHOWN_AGE.match(str(value)):
            return {"inquiry_age": str(value)}
        try:
            parsed = clean_field("age_or_birth_date", value)
        except ValidationError as error:
            dispatcher.utter_message(text=say_error(error))
            return {"inquiry_age": None}
        shown = f"{parsed.age} (born {parsed.birth_date.isoformat()})" if parsed.birth_date else str(parsed.age)
        return {"inquiry_age": shown}

    def validate_inquiry_country(self, value, dispatcher, tracker, domain):
        return self._checked("inquiry_country", "country", value, dispatcher)

    def validate_inquiry_language(self, value, dispatcher, tracker, domain):
        return self._checked("inquiry_language", "language", value, dispatcher)

    def validate_inquiry_diagnosis(self, value, dispatcher, tracker, domain):
        checked = self._checked("inquiry_diagnosis", "diagnosis", value, dispatcher)
        if checked["inquiry_diagnosis"] is None:
            return checked
        age = whole_number(str(tracker.get_slot("inquiry_age") or "").split(" ")[0])
        try:
            result = query_store(lambda session: route_patient(session, checked["inquiry_diagnosis"], age=age))
        except StoreUnavailable:
            result = None
        if result is not None and result.routes:
            route = result.routes[0]
            checked.update(inquiry_condition_id=result.condition.id if result.condition else None,
                           inquiry_unit_id=route.unit.id,
                           inquiry_unit_name=f"{route.unit.full_name}, {route.unit.hospital_name}")
        else:
            checked.update(inquiry_condition_id=result.condition.id if result and result.condition else None,
                           inquiry_unit_id=None, inquiry_unit_name=None)
        return checked

    def validate_inquiry_stage(self, value, dispatcher, tracker, domain):
        return self._checked("inquiry_stage", "stage", self._stage_from_words(str(value)), dispatcher)

    @staticmethod
    def _stage_from_words(text: str) -> str:
        lowered = text.casefold()
        for words, stage in ((("relapse", "came back", "recur", "returned", "grew"), StageOfCare.RELAPSED),
                             (("treated", "treatment", "chemo", "surgery", "operated", "radiation"), StageOfCare.TREATED),
                             (("biopsy", "patholog", "diagnosed", "confirmed"), StageOfCare.BIOPSY_OR_PATHOLOGY_DONE),
                             (("suspect", "not sure", "not confirmed", "maybe", "possible"), StageOfCare.SUSPECTED)):
            if any(word in lowered for word in words):
                return stage.value
        return text

    def validate_inquiry_wants(self, value, dispatcher, tracker, domain):
        wants = parse_wants(str(value)) if not isinstance(value, list) else value
        if not wants:
            dispatcher.utter_message(text=say("inquiry.invalid.wants", choices=choices("want")))
            return {"inquiry_wants": None}
        return {"inquiry_wants": wants}

    def validate_inquiry_documents(self, value, dispatcher, tracker, domain):
        documents = parse_documents(str(value)) if not isinstance(value, dict) else value
        if documents is None:
            dispatcher.utter_message(text=say("inquiry.invalid.documents"))
            return {"inquiry_documents": None}
        return {"inquiry_documents": documents}

    def validate_inquiry_travel(self, value, dispatcher, tracker, domain):
        text = str(value).strip()
        if text.casefold().strip(" .!") in SKIP_WORDS:
            return {"inquiry_travel": "none"}
        return self._checked("inquiry_travel", "travel_plans", text, dispatcher)

    def validate_inquiry_contact(self, value, dispatcher, tracker, domain):
        if isinstance(value, dict):
            return {"inquiry_contact": value}
        try:
            return {"inquiry_contact": parse_contact(str(value))}
        except ValidationError as error:
            dispatcher.utter_message(text=say_error(error))
            return {"inquiry_contact": None}

    def validate_inquiry_confirmed(self, value, dispatcher, tracker, domain):
        answer = read_answer(value)
        if answer.kind is Kind.YES:
            return {"inquiry_confirmed": "submit"}
        if answer.kind is Kind.CANCEL:
            return {"inquiry_confirmed": "cancel"}
        if answer.kind is Kind.CHANGE and answer.field in CHANGE_MESSAGE:
            dispatcher.utter_message(text=say(CHANGE_MESSAGE[answer.field]))
            cleared = {answer.field: None, "inquiry_confirmed": None}
            if answer.field == "inquiry_writer":
                cleared["inquiry_relation"] = None
            return cleared
        if answer.kind in (Kind.NO, Kind.CHANGE):
            # a bare "no" discards nothing: it may mean "not yet, something is wrong"
            dispatcher.utter_message(text=say("inquiry.confirm.what_to_change"))
            return {"inquiry_confirmed": None}
        dispatcher.utter_message(text=say("inquiry.confirm.unclear"))
        return {"inquiry_confirmed": None}


def repeats_a_sent_inquiry(tracker: Tracker) -> bool:
    """The form is starting (nothing asked or answered yet) because of a bare "send it" after this
    conversation's inquiry was sent: the widget's retry, or a patient who did not see the answer."""
    return (bool(tracker.get_slot("inquiry_reference")) and tracker.get_slot("requested_slot") is None
            and tracker.get_slot("inquiry_consent") is None
            and is_bare_confirmation(tracker.latest_message.get("text")))
