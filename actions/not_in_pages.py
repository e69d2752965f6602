"""The answer to a question that the hospitals' pages never answer: say so plainly and offer an
international coordinator, without reciting facts of another kind in its place (issue #12)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send_meta
from actions.safety import ActionOfferTopics
from knowledge.not_in_pages import kind_not_in_pages

# What the patient asked about, as the answer names it (ids from knowledge/vocabulary/not_in_pages.yml).
KIND_PHRASE: dict[str, str] = {
    "cost": "prices or the cost of treatment",
    "waiting_time": "waiting times or how soon treatment can start",
    "outcomes": "success rates, survival rates or other treatment results",
    "insurance": "insurance or how treatment is paid for",
    "doctors": "individual doctors, their names or who heads a unit",
    "address": "the hospitals' street addresses or how to get there",
    "visa": "visas or entry to Korea",
    "accommodation_cost": "the cost of accommodation",
    "parking": "parking",
    "interpreters": "interpreters or translation",
    "opening_hours": "opening hours",
    "hospital_stay": "how long patients stay in hospital",
    "beds": "the number of beds",
    "food": "food and meals in the hospital",
    "transport": "airport pick-up or transport to the hospital",
}
NOT_IN_PAGES_TEXT = ("The hospitals' pages I answer from give no information on {phrase}, so I can't tell you "
                     "that. The international coordinators can: they answer questions like this for "
                     "patients who send them an inquiry.")


class ActionAnswerNotInPages(Action):
    """"The pages don't say", and a coordinator; the topic buttons if no known kind was asked after all
    (the classifier alone guessed the intent)."""

    def name(self) -> str:
        return "action_answer_not_in_pages"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        kind = kind_not_in_pages(tracker.latest_message.get("text") or "")
        if kind is None:
            return await ActionOfferTopics().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text=NOT_IN_PAGES_TEXT.format(phrase=KIND_PHRASE[kind]), buttons=[
            {"title": "Send an inquiry to a coordinator", "payload": "/request_referral"},
            {"title": "Contact the coordinators", "payload": "/request_human"},
        ])
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic=f"not_in_pages:{kind}")
        return []
