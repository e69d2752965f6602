"""A patient's access to their inquiry: its status (with the coordinators' reply) and deleting its
personal data. Both ask for the reference number and then a second detail (the email or phone given),
so that a reference number alone reveals nothing. This module starts and runs the two forms; what
happens at their end is in `actions.inquiry_access_outcomes`.

Only what the patient typed is checked: the prefill keeps a reference (and a contact) the request
itself carries, and clears what an earlier check left; the form then asks for what is missing. Each
message in the flow is read by `read_turn`, in this order:

- an emergency, "stop" / "never mind", or a request for the other flow ("actually, just the status")
  is not an answer: the form hands the turn to the rules (data/rules/referral.yml);
- a reference (at the reference question) or an email / phone (at the contact question) is the answer;
- "I lost the reference", "I don't remember which email" end the flow with the coordinators' contact
  (slot `access_exit`), instead of asking again what the patient cannot give;
- a question or another request (a topic, a route, a person, out of scope, goodbye, a question the
  classifier is unsure of) is not an answer: the flow ends and the question is answered
  (`action_leave_inquiry_access`). Ending rather than
  resuming, because a flow left open would take a later, unrelated email or number as the contact and
  count it as a failed check against the reference, which now locks the reference in every
  conversation; asking again costs the patient one message;
- anything else ("hello", "yes", a typo'd reference) is checked as the answer and re-asked with a hint.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.context import latest_entity
from actions.topics import TOPIC_OF_INTENT
from actions.referral_form import EMAIL_IN_TEXT, PHONE_IN_TEXT, answers_now
from actions.store import referrals_engine
from messages import say, say_error
from referrals import ValidationError, normalise_email, normalise_phone, normalise_reference
from referrals.access_attempts import locked_until

logger = logging.getLogger(__name__)
REFERENCE_IN_TEXT = re.compile(r"\bKR[-\s]?[0-9A-Za-z]{10}\b", re.IGNORECASE)
ACCESS_SLOTS = ("access_reference", "access_contact", "access_exit")
FLOW_OF_INTENT = {"check_inquiry_status": "inquiry_status_form", "delete_my_data": "inquiry_deletion_form"}
# Intents that are never an answer to the flow's question.
INTERRUPTING = {"emergency", "stop"}
# Intents that leave the flow: what the patient asks instead is answered.
LEAVING = {*TOPIC_OF_INTENT, "ask_route", "ask_figures", "ask_availability", "request_diagnosis", "bot_challenge",
           "ask_capabilities", "request_human", "request_referral", "out_of_scope", "goodbye", "thank"}

LOST = re.compile(
    r"\b(?:lost|forgot|forgotten|misplaced|deleted (?:the|that|your) (?:e ?mail|message)|can'?t find|cannot find"
    r"|can not find|couldn'?t find"
    r"|(?:don'?t|do not|dont) (?:have|remember|recall|know)|didn'?t (?:get|receive|keep|save)|did not (?:get|receive)"
    r"|never (?:got|received)|(?:can'?t|cannot) remember|not sure|no longer have|no access|where (?:do|can) i find"
    r"|forget (?:the|my|which) (?:reference|number|code|e ?mail|phone))\b")
REFERENCE_WORDS = re.compile(r"\b(?:reference|ref|code|inquiry number|kr)\b")
CONTACT_WORDS = re.compile(r"\b(?:e ?mail|mail|phone|contact|address|mobile|whatsapp|telephone)\b")
# Words around a reference typed on its own ("my reference is KR-...", "here: KR-...").
REFERENCE_FILLER = re.compile(r"\b(?:my|the|our|reference|ref|number|nr|no|is|it|its|it's|here|ok|okay|code"
                              r"|inquiry|please|yes|sure|this|that|sorry|of|for)\b")


def normalise_text(text: object) -> str:
    return " ".join(str(text or "").casefold().replace("’", "'").replace("-", " ").split())


def reference_in_text(text: str) -> str | None:
    """The reference number written in `text`, as typed (None when there is none). Without the KR-
    prefix only a code-like message counts: "7H3K 9M2QXA" does, while "thanks a lot" and "yes I have
    it" also make 10 letters of the reference alphabet once the spaces are gone."""
    found = REFERENCE_IN_TEXT.search(text)
    if found:
        return found.group(0)
    stripped = text.strip()
    code_like = len(stripped.split()) <= 3 and any(ch.isdecimal() for ch in stripped)
    return stripped if code_like and normalise_reference(stripped) else None


def reference_candidate(tracker: Tracker) -> str | None:
    """The reference number the latest message carries, as typed (None when there is none)."""
    text = tracker.latest_message.get("text") or ""
    return reference_in_text(text) or latest_entity(tracker, "reference")


def contact_candidate(text: str) -> str | None:
    """The email address, else the phone number, in `text` (None when there is none)."""
    without_references = REFERENCE_IN_TEXT.sub(" ", text)
    email = EMAIL_IN_TEXT.search(without_references)
    if email:
        return email.group(0).rstrip(".")
    phone = PHONE_IN_TEXT.search(without_references)
    return phone.group(0) if phone else None


def only_a_reference(text: str, candidate: str) -> bool:
    """True when the message is the reference and nothing else that matters ("my reference is KR-...")."""
    rest = normalise_text(text.replace(candidate, " "))
    return not REFERENCE_FILLER.sub(" ", re.sub(r"[^\w' ]", " ", rest)).split()


def exit_for(text: str, requested: str | None) -> str | None:
    """'lost_reference' / 'lost_contact' when the patient says they cannot give what is asked."""
    value = normalise_text(text)
    if not LOST.search(value):
        return None
    if REFERENCE_WORDS.search(value):
        return "lost_reference"
    if CONTACT_WORDS.search(value):
        return "lost_contact"
    # "I lost it", "I don't know": about whatever was asked; before any question, too vague to act on
    return {"access_reference": "lost_reference", "access_contact": "lost_contact"}.get(requested or "")


@dataclass(frozen=True)
class Turn:
    """How the form reads the latest message: `answer` (fill the requested slot with `value`), `exit`
    (end the flow, `value` says why), `reject` (not for the form: the rules handle it) or `none`."""

    kind: str
    value: Any = None


def read_turn(tracker: Tracker, form: str) -> Turn:
    """Read the latest message of the flow `form` (see the module's docstring for the order)."""
    text = (tracker.latest_message.get("text") or "").strip()
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    requested = tracker.get_slot("requested_slot")
    if requested is not None and not answers_now(tracker):
        return Turn("none")  # back after another action of the same turn: that message was read already
    if not text or intent in INTERRUPTING:
        return Turn("reject")
    other_flow = intent in FLOW_OF_INTENT and FLOW_OF_INTENT[intent] != form
    if requested == "access_reference":
        candidate = reference_candidate(tracker)
        if candidate and not (other_flow and not only_a_reference(text, candidate)):
            return Turn("answer", candidate)
    elif requested == "access_contact":
        candidate = contact_candidate(text)
        if candidate and not other_flow:
            return Turn("answer", candidate)
    elif requested is not None:
        return Turn("none")
    lost = exit_for(text, requested)
    if lost == "lost_reference" and reference_candidate(tracker):
        lost = None  # "I forgot to ask: what about KR-...?" gives the reference it would have lost
    if lost:
        return Turn("exit", lost)
    if requested is None:
        return Turn("none")  # the form is starting: the prefill took what the request carries
    if other_flow or intent in LEAVING or (intent == "nlu_fallback" and text.endswith("?")):
        return Turn("reject")  # an unclear question is not an answer either: the topics are offered
    return Turn("answer", text)


class ActionPrefillInquiryAccess(Action):
    """Before the status or deletion form: keep a reference number (and a contact after it) that the
    request already carries, and clear what an earlier check left."""

    def name(self) -> str:
        return "action_prefill_inquiry_access"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reference = reference_candidate(tracker)
        contact = contact_candidate(tracker.latest_message.get("text") or "") if reference else None
        if contact and "@" not in contact and not contact.startswith(("+", "00")):
            contact = None  # digits in a request ("sent on 12.03.2025") are not a phone number offered
        return [SlotSet("access_reference", reference), SlotSet("access_contact", contact),
                SlotSet("access_exit", None)]


def reference_lock(reference: str) -> bool:
    """Whether the reference is locked now (False when the database cannot tell: the final check will)."""
    try:
        with Session(referrals_engine()) as session:
            return locked_until(session, reference) is not None
    except SQLAlchemyError as error:
        logger.error("lock check failed in the inquiry access form: %s", type(error).__name__)
        return False


class ValidateInquiryStatusForm(FormValidationAction):
    """Reference first, then the contact; what the patient typed is checked, None (nothing typed) never."""

    def name(self) -> str:
        return "validate_inquiry_status_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        turn = read_turn(tracker, self.form_name())
        if turn.kind == "exit":
            # the form ends at once; its final action gives the coordinators' contact
            return [SlotSet("access_exit", turn.value), SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("access_exit") else domain_slots

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        turn = read_turn(tracker, self.form_name())
        return [SlotSet(tracker.get_slot("requested_slot"), turn.value)] if turn.kind == "answer" else []

    def validate_access_reference(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is None:
            return {"access_reference": None}
        reference = normalise_reference(reference_in_text(str(value)))
        if reference is None:
            dispatcher.utter_message(text=say("access.invalid.reference"))
            return {"access_reference": None}
        if reference_lock(reference):
            return {"access_reference": reference, "access_exit": "locked"}
        return {"access_reference": reference}

    def validate_access_contact(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is None:
            return {"access_contact": None}
        candidate = contact_candidate(str(value))
        if candidate is None:
            dispatcher.utter_message(text=say("access.invalid.contact"))
            return {"access_contact": None}
        try:
            contact = normalise_email(candidate) if "@" in candidate else normalise_phone(candidate)
        except ValidationError as error:
            # a malformed contact cannot match any inquiry: re-ask instead of counting a failed check
            dispatcher.utter_message(text=f"{say_error(error)} {say('access.invalid.contact_must_match')}")
            return {"access_contact": None}
        return {"access_contact": contact}


class ValidateInquiryDeletionForm(ValidateInquiryStatusForm):
    def name(self) -> str:
        return "validate_inquiry_deletion_form"
