"""The end of the referral form: the summary to confirm, then storing the inquiry once and giving its
reference, or storing nothing (no consent, cancelled, stopped).

Submission is safe to repeat: the key made when the patient consented goes with the inquiry
(`referrals.submit_once`), so a retried "send it" after a write that did commit returns the same
reference. A failed write says only that nothing could be saved and that the answers are kept (never
also a reference); a bare "send it" after the inquiry was sent repeats its reference
(`actions.referral_form.repeats_a_sent_inquiry`).
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation_language import conversation_language
from actions.referral_form import ALREADY_SENT, DERIVED_SLOTS, FORM, FORM_SLOTS, summary_text
from actions.replies import send_meta
from actions.safety import coordinator_contact_text
from actions.store import referrals_engine
from messages import say, say_error
from referrals import ValidationError, new_submission_key, submit_once
from referrals.deadlines import KST, Promise

logger = logging.getLogger(__name__)
FINISH = "action_finish_inquiry"


def events_this_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The events since the patient's latest message."""
    events = list(tracker.events or [])
    last_user = max((i for i, event in enumerate(events) if event.get("event") == "user"), default=-1)
    return events[last_user + 1:]


class ActionAskInquiryConfirmed(Action):
    """Shows the summary and asks for confirmation before anything is stored. Right after a failed save
    it stays quiet: that message already says how to try again, and the summary was just shown."""

    def name(self) -> str:
        return "action_ask_inquiry_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if any(event.get("event") == "action" and event.get("name") == FINISH for event in events_this_turn(tracker)):
            return []
        dispatcher.utter_message(text=summary_text(tracker.slots), buttons=summary_buttons())
        return []


def send_it_button() -> dict[str, str]:
    """The quick reply that confirms the inquiry (its payload is what the form reads as yes)."""
    return {"title": say("inquiry.button.send_it"), "payload": "send it"}


def summary_buttons() -> list[dict[str, str]]:
    """The quick replies under the summary: send it, change an answer, cancel."""
    return [send_it_button(),
            {"title": say("inquiry.button.change_contact"), "payload": "change the contact"},
            {"title": say("inquiry.button.cancel"), "payload": "cancel"}]


def clear_form() -> list[EventType]:
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, *DERIVED_SLOTS)]


def inquiry_data(tracker: Tracker) -> dict[str, Any]:
    """The form's answers as `referrals.submit_inquiry` data."""
    slots = tracker.slots
    docs = slots.get("inquiry_documents") or {}
    contact = slots.get("inquiry_contact") or {}
    age_text = str(slots.get("inquiry_age") or "")
    birth = re.search(r"born (\d{4}-\d{2}-\d{2})", age_text)
    return {
        "conversation_id": tracker.sender_id,
        "consent": True,
        "writer": slots.get("inquiry_writer"),
        "relation": slots.get("inquiry_relation"),
        "patient_name": slots.get("inquiry_patient_name"),
        "age_or_birth_date": birth.group(1) if birth else age_text.split(" ")[0],
        "country": slots.get("inquiry_country"),
        "language": slots.get("inquiry_language"),
        "chat_language": conversation_language(tracker),
        "diagnosis": slots.get("inquiry_diagnosis"),
        "condition_id": slots.get("inquiry_condition_id"),
        "recommended_unit_id": slots.get("inquiry_unit_id"),
        "stage": slots.get("inquiry_stage"),
        "wants": slots.get("inquiry_wants") or [],
        "has_records": docs.get("has_records"),
        "has_pathology": docs.get("has_pathology"),
        "has_imaging": docs.get("has_imaging"),
        "travel_plans": None if slots.get("inquiry_travel") in (None, "none") else slots.get("inquiry_travel"),
        "contact_email": contact.get("email"),
        "contact_phone": contact.get("phone"),
    }


def response_promise(now: datetime | None = None) -> str:
    """The office's response-time promise (RESPONSE_TARGET_WORKING_DAYS), counted from `now`."""
    promise = Promise.from_settings()
    due = promise.due_at(now or datetime.now(timezone.utc)).astimezone(KST)
    return say("inquiry.sent.promise", days=promise.working_days, date=f"{due:%A} {due.day} {due:%B}",
               time=f"{due:%H:%M}")


def sent_text(reference: str, unit: str | None) -> str:
    lines = [say("inquiry.sent.reference", reference=reference), say("inquiry.sent.keep_reference")]
    if unit:
        lines.append(say("inquiry.sent.suggestion", unit=unit))
    lines.append(" ".join((say("inquiry.sent.next_step"), response_promise(), say("inquiry.sent.meanwhile"))))
    return "\n".join(lines)


def save_failed_text(error: Exception) -> str:
    """Why the inquiry was not stored (what was wrong with an answer, or that saving failed), and that
    every answer is kept."""
    reason = say_error(error) if isinstance(error, ValidationError) else say("inquiry.save_failed")
    return f"{reason} {say('inquiry.answers_kept')}"


class ActionFinishInquiry(Action):
    """After the form: store a confirmed inquiry and give its reference; without consent or when
    cancelled, store nothing and give the public contact. A failed write keeps every answer."""

    def name(self) -> str:
        return FINISH

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = tracker.latest_message.get("intent")
        confirmed = tracker.get_slot("inquiry_confirmed")
        if confirmed == ALREADY_SENT:
            dispatcher.utter_message(text=say("inquiry.already_sent", reference=tracker.get_slot("inquiry_reference")))
            send_meta(dispatcher, intent, topic="referral")
            return clear_form()
        if tracker.get_slot("inquiry_consent") is False or confirmed == "cancel":
            contact_text, files = coordinator_contact_text()
            reason = (say("inquiry.no_consent") if tracker.get_slot("inquiry_consent") is False
                      else say("inquiry.cancelled"))
            dispatcher.utter_message(text=f"{reason} {say('inquiry.reach_directly')}\n{contact_text}")
            send_meta(dispatcher, intent, topic="referral", sources=files)
            return clear_form()
        if confirmed != "submit":
            return []
        key = tracker.get_slot("inquiry_submission_key")
        if not key:  # a form started before the key existed: still one key from here on
            key = new_submission_key()
        try:
            reference = submit_once(referrals_engine(), key, inquiry_data(tracker))
        except (SQLAlchemyError, ValidationError, OSError) as error:
            logger.error("storing an inquiry failed in %s: %s", self.name(), type(error).__name__)
            dispatcher.utter_message(text=save_failed_text(error), buttons=[send_it_button()])
            send_meta(dispatcher, intent, topic="referral")
            # Ask for the confirmation again, with every other answer (and the key) still in place.
            return [SlotSet("inquiry_submission_key", key), SlotSet("inquiry_confirmed", None), ActiveLoop(FORM),
                    SlotSet("requested_slot", "inquiry_confirmed")]
        unit = tracker.get_slot("inquiry_unit_name")
        dispatcher.utter_message(text=sent_text(reference, unit))
        send_meta(dispatcher, intent, topic="referral",
                  unit_ids=[tracker.get_slot("inquiry_unit_id")] if tracker.get_slot("inquiry_unit_id") else [])
        return [*clear_form(), SlotSet("inquiry_reference", reference)]


class ActionStopInquiry(Action):
    """The patient stopped the form: say so, and that nothing was stored."""

    def name(self) -> str:
        return "action_stop_inquiry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(text=say("inquiry.stopped"))
        return clear_form()
