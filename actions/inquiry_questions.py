"""The questions of the inquiry forms, asked one at a time by `action_ask_<slot>` actions.

They live here rather than as `utter_ask_<slot>` responses because Rasa 3.6's data validator reports
form questions as unused responses; the text and buttons are the same either way. Their words are in
the message catalog (`messages`), by message id."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.store import StoreUnavailable, query_store
from knowledge.matcher import get_matcher
from knowledge.queries import condition_named
from messages import say

# slot -> (message id of the question, quick replies as (message id of the title, payload)). The payloads
# are the answers themselves, in the words the forms' validators read; the titles are what the patient sees.
QUESTIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "inquiry_consent": ("inquiry.ask.consent", (
        ("inquiry.reply.consent.agree", "I agree"),
        ("inquiry.reply.consent.disagree", "I do not agree"),
    )),
    "inquiry_writer": ("inquiry.ask.writer", (
        ("inquiry.reply.writer.patient", "I am the patient"),
        ("inquiry.reply.writer.relative", "I am writing for a family member or friend"),
    )),
    "inquiry_relation": ("inquiry.ask.relation", (
        ("inquiry.relation.parent", "Parent"),
        ("inquiry.relation.child", "Son or daughter"),
        ("inquiry.relation.spouse_or_partner", "Spouse or partner"),
        ("inquiry.relation.sibling", "Brother or sister"),
        ("inquiry.relation.other_relative", "Other relative"),
        ("inquiry.relation.friend", "Friend"),
    )),
    "inquiry_patient_name": ("inquiry.ask.patient_name", ()),
    "inquiry_age": ("inquiry.ask.age", ()),
    "inquiry_country": ("inquiry.ask.country", ()),
    "inquiry_language": ("inquiry.ask.language", (
        ("inquiry.reply.language.en", "English"),
        ("inquiry.reply.language.ko", "Korean"),
        ("inquiry.reply.language.ru", "Russian"),
        ("inquiry.reply.language.mn", "Mongolian"),
    )),
    "inquiry_diagnosis": ("inquiry.ask.diagnosis", ()),
    "inquiry_stage": ("inquiry.ask.stage", (
        ("inquiry.reply.stage.suspected", "suspected"),
        ("inquiry.reply.stage.biopsy_or_pathology_done", "biopsy_or_pathology_done"),
        ("inquiry.reply.stage.treated", "treated"),
        ("inquiry.reply.stage.relapsed", "relapsed"),
    )),
    "inquiry_wants": ("inquiry.ask.wants", (
        ("inquiry.reply.want.second_opinion", "second opinion"),
        ("inquiry.reply.want.treatment", "treatment"),
        ("inquiry.reply.want.transplant", "transplant"),
        ("inquiry.reply.want.car_t", "CAR-T"),
        ("inquiry.reply.want.clinical_trial", "clinical trial"),
        ("inquiry.reply.want.follow_up", "follow-up care"),
    )),
    "inquiry_documents": ("inquiry.ask.documents", (
        ("inquiry.reply.documents.all", "all"),
        ("inquiry.reply.documents.none", "none yet"),
    )),
    "inquiry_travel": ("inquiry.ask.travel", (
        ("inquiry.reply.travel.none", "no plans yet"),
    )),
    "inquiry_contact": ("inquiry.ask.contact", ()),
    "access_reference": ("access.ask.reference", ()),
    "access_contact": ("access.ask.contact", ()),
}


def said_before(slot: str, tracker: Tracker) -> str | None:
    """What the conversation already said that answers the question of `slot` (the patient's age, the
    condition the bot routed on), offered as a quick reply: the writer confirms it with one tap or types
    another answer, and nothing is filled in without them."""
    if slot == "inquiry_age":
        age = tracker.get_slot("patient_age")
        return str(int(age)) if isinstance(age, (int, float)) and 0 <= age < 130 else None
    if slot == "inquiry_diagnosis":
        condition_id = tracker.get_slot("condition")
        # a category word ("cancer") says too little to be offered as a diagnosis
        if not condition_id or get_matcher().is_category(condition_id):
            return None
        try:
            condition = query_store(lambda session: condition_named(session, condition_id))
        except StoreUnavailable:
            return None
        return condition.name if condition else None
    return None


class AskQuestion(Action):
    """Asks the question of one form slot."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        question, replies = QUESTIONS[self.slot]
        text = say(question)
        buttons = [{"title": say(title), "payload": payload} for title, payload in replies]
        earlier = said_before(self.slot, tracker)
        if earlier:
            text += " " + say("inquiry.earlier_answer", answer=earlier)
            buttons.insert(0, {"title": earlier, "payload": earlier})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


# One action class per question, registered with the action server like any other action.
ASK_ACTIONS = [type(f"Ask_{slot}", (AskQuestion,), {"slot": slot}) for slot in QUESTIONS]
