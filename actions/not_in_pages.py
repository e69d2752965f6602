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
from messages import say

class ActionAnswerNotInPages(Action):
    """"The pages don't say", and a coordinator; the topic buttons if no known kind was asked after all
    (the classifier alone guessed the intent)."""

    def name(self) -> str:
        return "action_answer_not_in_pages"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        kind = kind_not_in_pages(tracker.latest_message.get("text") or "")
        if kind is None:
            return await ActionOfferTopics().run(dispatcher, tracker, domain)
        # what the patient asked about, as the answer names it: messages not_in_pages.kind.<id>
        dispatcher.utter_message(text=say("not_in_pages.answer", phrase=say(f"not_in_pages.kind.{kind}")), buttons=[
            {"title": say("button.send_inquiry_to_coordinator"), "payload": "/request_referral"},
            {"title": say("button.contact_coordinators"), "payload": "/request_human"},
        ])
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic=f"not_in_pages:{kind}")
        return []
