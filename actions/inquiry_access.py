"""A patient's access to their inquiry: its status (with the coordinators' reply) and deleting its
personal data. Both ask for the reference number and then a second detail (the email or phone given),
so that a reference number alone reveals nothing."""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.context import latest_entity
from actions.referral_form import requested_answer
from actions.replies import send_meta
from actions.store import referrals_engine
from referrals import delete_personal_data, normalise_reference, status_for_patient

logger = logging.getLogger(__name__)
REFERENCE_IN_TEXT = re.compile(r"\bKR-?[0-9A-Za-z]{10}\b", re.IGNORECASE)
ACCESS_SLOTS = ("access_reference", "access_contact")
# Failed reference/contact pairs allowed per conversation, so the second detail cannot be guessed.
MAX_FAILED_ATTEMPTS = 5
TOO_MANY = ("For your security I can't check more inquiries in this conversation. Please contact the international "
            "coordinators directly.")
NOT_FOUND = ("I couldn't find an inquiry with that reference number and that contact detail. Please check both; "
             "the contact must be the email or phone number you gave in the inquiry.")


def reference_in(tracker: Tracker) -> str | None:
    """A reference number in the latest message, normalised (None if there is none or it is malformed)."""
    candidate = latest_entity(tracker, "reference")
    if not candidate:
        found = REFERENCE_IN_TEXT.search(tracker.latest_message.get("text") or "")
        candidate = found.group(0) if found else None
    return normalise_reference(candidate) if candidate else None


class ActionPrefillInquiryAccess(Action):
    """Before the status or deletion form: keep a reference number the request already carries."""

    def name(self) -> str:
        return "action_prefill_inquiry_access"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet("access_reference", reference_in(tracker)), SlotSet("access_contact", None)]


class ValidateInquiryStatusForm(FormValidationAction):
    """Reference first, then the contact; a malformed reference is re-asked."""

    def name(self) -> str:
        return "validate_inquiry_status_form"

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        return requested_answer(tracker, ACCESS_SLOTS)

    def validate_access_reference(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        found = REFERENCE_IN_TEXT.search(str(value))
        reference = normalise_reference(found.group(0) if found else str(value))
        if reference:
            return {"access_reference": reference}
        dispatcher.utter_message(text="That doesn't look like a reference number. It starts with KR- followed by "
                                      "10 letters and digits, for example KR-7H3K9M2QXA.")
        return {"access_reference": None}

    def validate_access_contact(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"access_contact": str(value).strip()}


class ValidateInquiryDeletionForm(ValidateInquiryStatusForm):
    def name(self) -> str:
        return "validate_inquiry_deletion_form"


def failed_attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("access_failures") or 0)


def locked_out(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Too many failed checks in this conversation: say so, and refuse to look anything up."""
    if failed_attempts(tracker) < MAX_FAILED_ATTEMPTS:
        return False
    dispatcher.utter_message(text=TOO_MANY)
    return True


class ActionShowInquiryStatus(Action):
    """The status of an inquiry and the coordinators' reply, when reference and contact match."""

    def name(self) -> str:
        return "action_show_inquiry_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        clear = [SlotSet(slot, None) for slot in ACCESS_SLOTS]
        if locked_out(dispatcher, tracker):
            return clear
        try:
            status = status_for_patient(referrals_engine(), tracker.get_slot("access_reference"), tracker.get_slot("access_contact"))
        except SQLAlchemyError:
            logger.exception("status check failed")
            dispatcher.utter_message(text="I'm sorry, I can't check inquiries right now. Please try again later.")
            return clear
        if status is None:
            dispatcher.utter_message(text=NOT_FOUND)
            send_meta(dispatcher, tracker.latest_message.get("intent"), topic="inquiry_status")
            return [*clear, SlotSet("access_failures", failed_attempts(tracker) + 1)]
        text = f"Inquiry **{status.reference}**: {status.status_label}."
        if status.reply:
            by = f" from {status.replied_by}" if status.replied_by else ""
            text += f"\n\nMessage{by}:\n{status.reply}"
        else:
            text += "\nThere is no reply yet; a coordinator will answer as soon as possible."
        dispatcher.utter_message(text=text)
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic="inquiry_status")
        return clear


class ActionDeleteInquiryData(Action):
    """Remove an inquiry's personal data, when reference and contact match, and confirm it."""

    def name(self) -> str:
        return "action_delete_inquiry_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        clear = [SlotSet(slot, None) for slot in ACCESS_SLOTS]
        if locked_out(dispatcher, tracker):
            return clear
        try:
            deleted = delete_personal_data(referrals_engine(), tracker.get_slot("access_reference"), tracker.get_slot("access_contact"))
        except SQLAlchemyError:
            logger.exception("deletion failed")
            dispatcher.utter_message(text="I'm sorry, I can't delete data right now. Nothing was changed; please try "
                                          "again later.")
            return clear
        if not deleted:
            dispatcher.utter_message(text=NOT_FOUND)
            clear.append(SlotSet("access_failures", failed_attempts(tracker) + 1))
        else:
            dispatcher.utter_message(text="Done: the personal data of that inquiry has been deleted. The coordinators "
                                          "keep only an anonymous record that an inquiry existed.")
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic="inquiry_deletion")
        return clear
