"""Emergencies first, declining what the bot does not cover, low-confidence fallback, and people."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_entity, patient_cue, route_on
from actions.replies import TOPIC_BUTTONS, send_meta, source_line, topic_button
from actions.fact_answers import confident_answer
from actions.routing import asks_where_to_go, route_and_answer
from actions.store import StoreUnavailable, query_store
from knowledge.queries import contacts
from messages import say

# Intents never offered as a guess: they are not topics a patient picks from a list.
NOT_OFFERED = {"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "stop",
               "bot_challenge", "inform_patient", "emergency", "ask_figures", "ask_availability",
               "request_diagnosis", "check_inquiry_status", "delete_my_data"}
DEFAULT_OFFERS = ["ask_route", "ask_capabilities", "request_human"]


class ActionEmergency(Action):
    """The emergency answer (emergency care now, 119 first), in the conversation's language, marked as an
    emergency for the transcript and the evaluation. The answer is the catalog's, not a domain response,
    so that a patient who writes in Korean is told in Korean."""

    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(text=say("emergency.answer"))
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic="emergency", emergency=True)
        return []


def coordinator_contact_text() -> tuple[str, list[str]]:
    """The public contact lines from the store, for when a person is needed."""
    try:
        lines = query_store(lambda session: contacts(session))
    except StoreUnavailable:
        return "", []
    if not lines:
        return "", []
    rendered = [f"- {c.label}: {c.value}" + (f" ({c.note})" if c.note else "") for c in lines]
    files = [c.source.file for c in lines]
    return "\n".join(rendered), files


class ActionOfferCoordinator(Action):
    """Offer an international coordinator: the inquiry in the chat, or the public contact lines."""

    def name(self) -> str:
        return "action_offer_coordinator"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        contact_text, files = coordinator_contact_text()
        text = say("coordinator.offer")
        if contact_text:
            text += f"\n\n{say('coordinator.phone')}\n{contact_text}\n\n{source_line(files)}"
        dispatcher.utter_message(text=text, buttons=[
            {"title": say("button.send_inquiry"), "payload": "/request_referral"},
            {"title": say("button.no_thanks"), "payload": "/deny"},
        ])
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic="contact", sources=files)
        return []


class ActionDeclineOutOfScope(Action):
    """Follows `utter_out_of_scope` (what the bot covers): offer a coordinator, never invent a service."""

    def name(self) -> str:
        return "action_decline_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(text=say("decline.coordinator"), buttons=[
            {"title": say("button.talk_to_coordinator"), "payload": "/request_human"},
            {"title": say("button.what_can_you_do"), "payload": "/ask_capabilities"},
        ])
        send_meta(dispatcher, tracker.latest_message.get("intent"), declined=True)
        return []


class ActionOfferTopics(Action):
    """Low confidence: offer the most likely topics as buttons rather than guessing what was asked. Where
    the message names a condition the store knows ("cervix cancer in a 41 yo woman"), first say where
    it is treated: a grounded answer that does not depend on what the classifier was unsure about."""

    def name(self) -> str:
        return "action_offer_topics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely = [entry["name"] for entry in ranking if entry.get("name") in TOPIC_BUTTONS
                  and entry.get("name") not in NOT_OFFERED][:3]
        offers = likely + [name for name in DEFAULT_OFFERS if name not in likely]
        buttons = [{"title": topic_button(name), "payload": f"/{name}"}
                   for name in offers[:4]]
        condition = latest_entity(tracker, "condition")
        if condition and asks_where_to_go(tracker):
            events = route_and_answer(dispatcher, tracker, route_on(tracker), patient_cue(tracker))
            dispatcher.utter_message(text=say("fallback.something_else"), buttons=buttons)
            return events
        answered = confident_answer(tracker)
        if answered is not None:  # the classifier was unsure, the store's facts are not
            text, unit_ids, files = answered
            dispatcher.utter_message(text=text)
            send_meta(dispatcher, tracker.latest_message.get("intent"), topic="facts", unit_ids=unit_ids, sources=files)
            return []
        if condition:
            events = route_and_answer(dispatcher, tracker, route_on(tracker), patient_cue(tracker))
            dispatcher.utter_message(text=say("fallback.something_else"), buttons=buttons)
            return events
        dispatcher.utter_message(text=say("fallback.not_understood"), buttons=buttons)
        send_meta(dispatcher, tracker.latest_message.get("intent"), declined=True)
        return []
