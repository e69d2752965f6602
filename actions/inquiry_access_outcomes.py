"""The end of the status and deletion flows (`actions.inquiry_access`): the status or the deletion when
reference and contact match, the coordinators' contact when the patient cannot give them or the
reference is locked, and `action_leave_inquiry_access` when the patient stopped or asked something else.

Two limits protect the second detail from guessing: MAX_FAILED_ATTEMPTS per conversation (slot
`access_failures`) and, across every conversation, the per-reference lock-out of
`referrals.access_attempts` (raised as `ReferenceLocked` by the referrals functions themselves).
"""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.inquiry_access import ACCESS_SLOTS
from actions.knowledge_answers import ActionAnswerAvailability, ActionAnswerFigures, ActionAnswerTopic
from actions.topics import TOPIC_OF_INTENT
from actions.not_in_pages import ActionAnswerNotInPages
from actions.replies import send_meta
from actions.routing import ActionRefuseDiagnosis, ActionRoutePatient
from actions.safety import (
    ActionDeclineOutOfScope, ActionOfferCoordinator, ActionOfferTopics, coordinator_contact_text,
)
from actions.store import referrals_engine
from messages import say
from referrals import ReferenceLocked, delete_personal_data, status_for_patient
from referrals.access_attempts import locked_until

logger = logging.getLogger(__name__)
# Failed reference/contact pairs allowed per conversation, on top of the per-reference limit.
MAX_FAILED_ATTEMPTS = 5
# Why nothing is looked up (slot `access_exit`, or too many failed checks) -> what the patient is told.
EXIT_MESSAGE = {
    "lost_reference": "access.exit.lost_reference",
    "lost_contact": "access.exit.lost_contact",
    "too_many": "access.exit.too_many",
}
# What answers a question asked instead of the flow's answer: actions, and the domain's responses.
ANSWER_ACTIONS: dict[str, tuple[type[Action], ...]] = {
    **{intent: (ActionAnswerTopic,) for intent in TOPIC_OF_INTENT},
    "ask_route": (ActionRoutePatient,), "ask_figures": (ActionAnswerFigures,),
    "ask_availability": (ActionAnswerAvailability,), "request_human": (ActionOfferCoordinator,),
    "ask_not_in_pages": (ActionAnswerNotInPages,),
    "request_diagnosis": (ActionRefuseDiagnosis,), "out_of_scope": (ActionDeclineOutOfScope,),
    "nlu_fallback": (ActionOfferTopics,),
}
ANSWER_RESPONSES = {
    "request_diagnosis": "utter_refuse_diagnosis", "out_of_scope": "utter_out_of_scope",
    "bot_challenge": "utter_bot_challenge", "ask_capabilities": "utter_capabilities",
    "goodbye": "utter_goodbye", "thank": "utter_you_are_welcome",
}
# A question after "never mind" is answered when the classifier ranks its intent at least this high.
TRAILING_QUESTION_CONFIDENCE = 0.15


def clear_access() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ACCESS_SLOTS]


def with_coordinators(text: str) -> str:
    contact_text, _ = coordinator_contact_text()
    return f"{text}\n{contact_text}" if contact_text else text


def locked_text(minutes: int | None) -> str:
    return with_coordinators(say("access.locked_minutes", minutes=minutes) if minutes else say("access.locked"))


def minutes_locked(reference: str | None) -> int | None:
    """Minutes until the lock on `reference` ends (None when unknown or not locked)."""
    try:
        with Session(referrals_engine()) as session:
            until = locked_until(session, reference)
    except SQLAlchemyError as error:
        logger.error("lock check failed: %s", type(error).__name__)
        return None
    return ReferenceLocked(str(reference), until).minutes_left() if until else None


def failed_attempts(tracker: Tracker) -> int:
    value = tracker.get_slot("access_failures")
    return int(value) if isinstance(value, (int, float)) and 0 <= value < 1000 else 0


def ended_early(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Say why nothing is looked up, when the patient could not give the details, the reference was
    found locked when it was given, or this conversation used up its attempts; False when the check
    can go ahead."""
    reason = tracker.get_slot("access_exit")
    if reason == "locked":
        dispatcher.utter_message(text=locked_text(minutes_locked(tracker.get_slot("access_reference"))))
        return True
    if reason not in EXIT_MESSAGE and failed_attempts(tracker) >= MAX_FAILED_ATTEMPTS:
        reason = "too_many"
    if reason in EXIT_MESSAGE:
        dispatcher.utter_message(text=with_coordinators(say(EXIT_MESSAGE[reason])))
        return True
    return False


class _InquiryAccessAction(Action, metaclass=ABCMeta):
    """The end of a status or deletion flow: the check that both flows share (the patient's way out,
    the per-reference lock, the database, a wrong pair counted), around each flow's own look-up and
    answer. Abstract, so rasa_sdk's executor does not register it as an action."""

    topic = ""

    @abstractmethod
    def unavailable_text(self) -> str:
        """What the patient is told when the database cannot be reached."""

    @abstractmethod
    def look_up(self, reference: Any, contact: Any) -> Any:
        """The flow's referrals call; a falsy result means reference and contact did not match."""

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, result: Any) -> None:
        """Tell the patient the result of a successful look-up."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = tracker.latest_message.get("intent")
        clear = clear_access()
        if ended_early(dispatcher, tracker):
            send_meta(dispatcher, intent, topic=self.topic)
            return clear
        try:
            result = self.look_up(tracker.get_slot("access_reference"), tracker.get_slot("access_contact"))
        except ReferenceLocked as locked:
            dispatcher.utter_message(text=locked_text(locked.minutes_left()))
            send_meta(dispatcher, intent, topic=self.topic)
            return clear
        except SQLAlchemyError as error:
            logger.error("%s failed: %s", self.name(), type(error).__name__)
            dispatcher.utter_message(text=self.unavailable_text())
            return clear
        if not result:
            dispatcher.utter_message(text=say("access.not_found"))
            clear.append(SlotSet("access_failures", failed_attempts(tracker) + 1))
        else:
            self.answer(dispatcher, result)
        send_meta(dispatcher, intent, topic=self.topic)
        return clear


class ActionShowInquiryStatus(_InquiryAccessAction):
    """The status of an inquiry and the coordinators' reply, when reference and contact match."""

    topic = "inquiry_status"

    def name(self) -> str:
        return "action_show_inquiry_status"

    def unavailable_text(self) -> str:
        return say("access.status.unavailable")

    def look_up(self, reference: Any, contact: Any) -> Any:
        return status_for_patient(referrals_engine(), reference, contact)

    def answer(self, dispatcher: CollectingDispatcher, result: Any) -> None:
        status = say(f"inquiry.status.{result.status.value}")  # the patient's words for the status
        text = say("access.status.line", reference=result.reference, status=status)
        if result.reply:
            lead = (say("access.status.reply_from", name=result.replied_by) if result.replied_by
                    else say("access.status.reply"))
            text += f"\n\n{lead}\n{result.reply}"
        else:
            text += "\n" + say("access.status.no_reply")
        dispatcher.utter_message(text=text)


class ActionDeleteInquiryData(_InquiryAccessAction):
    """Remove an inquiry's personal data, when reference and contact match, and confirm it."""

    topic = "inquiry_deletion"

    def name(self) -> str:
        return "action_delete_inquiry_data"

    def unavailable_text(self) -> str:
        return say("access.deletion.unavailable")

    def look_up(self, reference: Any, contact: Any) -> Any:
        return delete_personal_data(referrals_engine(), reference, contact)

    def answer(self, dispatcher: CollectingDispatcher, result: Any) -> None:
        dispatcher.utter_message(text=say("access.deletion.done"))


def trailing_question(tracker: Tracker) -> dict[str, Any] | None:
    """For "never mind, is CAR-T available?" read as a stop: the question's intent, if the classifier
    ranks one it can answer high enough."""
    if "?" not in (tracker.latest_message.get("text") or ""):
        return None
    for entry in tracker.latest_message.get("intent_ranking") or []:
        if entry.get("name") in ANSWER_ACTIONS and entry.get("name") != "nlu_fallback" \
                and float(entry.get("confidence") or 0) >= TRAILING_QUESTION_CONFIDENCE:
            return {"name": entry["name"], "confidence": entry.get("confidence")}
    return None


def as_intent(tracker: Tracker, intent: dict[str, Any]) -> Tracker:
    """A copy of the tracker whose latest message is classified as `intent`."""
    state = tracker.current_state()
    state["latest_message"] = {**(state.get("latest_message") or {}), "intent": intent}
    return Tracker.from_dict(state)


class ActionLeaveInquiryAccess(Action):
    """The patient left the status or deletion flow (the rules deactivated the form): forget what was
    typed, and answer what was asked instead. After an emergency it stays silent: the emergency
    answer was given and nothing should follow it."""

    def name(self) -> str:
        return "action_leave_inquiry_access"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = clear_access()
        intent = tracker.latest_message.get("intent") or {}
        name = intent.get("name")
        if name == "emergency":
            return events
        if name == "stop":
            question = trailing_question(tracker)
            if question is None:
                dispatcher.utter_message(text=say("access.stopped"))
                return events
            dispatcher.utter_message(text=say("access.stopped_checking"))
            tracker, name = as_intent(tracker, question), question["name"]
        if name in ANSWER_RESPONSES:
            dispatcher.utter_message(response=ANSWER_RESPONSES[name])
        for action_class in ANSWER_ACTIONS.get(name, ()):
            events += await action_class().run(dispatcher, tracker, domain)
        if name not in ANSWER_RESPONSES and name not in ANSWER_ACTIONS:
            dispatcher.utter_message(text=say("access.left"))
        return events
