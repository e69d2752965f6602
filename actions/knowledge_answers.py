"""Answers about services and topics, read from the knowledge store and cited by seed file."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_entity, patient_cue, patient_cue_in_message, patient_slots, route_on
from actions.fact_answers import (
    GENERIC_CONDITIONS,
    MAX_RELATED,
    asked_text,
    candidate_facts,
    compose_topic_answer,
    coordinator_button,
    fact_line,
    patient_units,
    place_in_message,
    place_name,
    translation_note,
)
from actions.routing import asks_where_to_go, route_and_answer
from actions.replies import bullet_list, send_meta, source_line, store_down
from actions.store import StoreUnavailable, query_store
from actions.topics import SERVICE_OF_TOPIC, TOPIC_OF_INTENT
from knowledge.answering import rank_answers
from messages import say
from messages.explain import explain
from knowledge.queries import service_availability
from knowledge.question import VALUE_KINDS, read_question

# The kinds of answer a figure gives (a number, a year, a size, a period).
FIGURE_KINDS = frozenset({*VALUE_KINDS, "validity"})


class ActionAnswerTopic(Action):
    """Answer a question about a service or topic (transplants, CAR-T, trials, skin care, ...)."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if asks_where_to_go(tracker):  # "melanoma: which clinic, and how do they check it did not spread?"
            return route_and_answer(dispatcher, tracker, route_on(tracker), patient_cue(tracker))
        intent = tracker.latest_message.get("intent") or {}
        topic = TOPIC_OF_INTENT.get(intent.get("name", ""), "about")
        cue = patient_cue_in_message(tracker)
        try:
            def work(session):
                place = place_in_message(tracker, session)
                units = None if place is not None else patient_units(session, tracker, cue)
                return (place, *compose_topic_answer(session, topic, place, cue.age_group, asked_text(tracker), units))
            place, text, unit_ids, files = query_store(work)
        except StoreUnavailable:
            dispatcher.utter_message(text=store_down())
            return []
        condition = latest_entity(tracker, "condition")
        if not files and place is None and condition and condition not in GENERIC_CONDITIONS:
            # "can I get chemotherapy for colon cancer?": the pages say nothing of it for that condition's
            # units; where the condition is treated is what they do say
            dispatcher.utter_message(text=say("answer.none_for_condition"))
            return route_and_answer(dispatcher, tracker, route_on(tracker), patient_cue(tracker))
        dispatcher.utter_message(text=text, buttons=[] if files else coordinator_button())
        send_meta(dispatcher, intent, topic=topic, unit_ids=unit_ids, sources=files, declined=not files)
        remembered = [SlotSet(k, v) for k, v in patient_slots(cue).items()
                      if cue.known and (v is not None or k != "relation")]
        return [SlotSet("last_topic", topic), SlotSet("service", SERVICE_OF_TOPIC.get(topic)),
                SlotSet("hospital", place.id if place else tracker.get_slot("hospital")), *remembered]


class ActionAnswerFigures(Action):
    """'How many of those have they done?': the figures for the topic in context."""

    def name(self) -> str:
        return "action_answer_figures"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = tracker.latest_message.get("intent")
        topic = tracker.get_slot("last_topic")

        question_kinds = read_question(asked_text(tracker)).kinds
        if question_kinds and not question_kinds & FIGURE_KINDS:
            # "how often are the checkups?" read as a figures question: a kind of fact no figure gives
            return await ActionAnswerTopic().run(dispatcher, tracker, domain)

        def work(session):
            place = place_in_message(tracker, session)
            cue = patient_cue_in_message(tracker)
            units = None if place is not None else patient_units(session, tracker, cue)
            facts = candidate_facts(session, place, cue.age_group, units)
            figures = [f for f in facts if f.value is not None or f.since]
            question = asked_text(tracker)
            if topic and topic != "route":
                # "how many of those?": the figures of the topic in context, the question's words first
                in_topic = [f for f in figures if topic in f.topics]
                return rank_answers(session, question, in_topic, (topic,)).top(1 + MAX_RELATED) or in_topic[:1 + MAX_RELATED]
            return rank_answers(session, question, figures, ("volumes",)).top(1 + MAX_RELATED)

        try:
            figures = query_store(work)
        except StoreUnavailable:
            dispatcher.utter_message(text=store_down())
            return []
        if not figures:
            dispatcher.utter_message(text=say("answer.no_figure"), buttons=coordinator_button())
            send_meta(dispatcher, intent, topic="volumes", declined=True)
            return []
        files = [fact.source.file for fact in figures]
        related = ["", say("answer.related"), bullet_list(fact_line(f) for f in figures[1:])] if figures[1:] else []
        dispatcher.utter_message(text="\n".join([fact_line(figures[0]), *related, "",
                                                 source_line(files, translation_note(figures))]))
        send_meta(dispatcher, intent, topic="volumes", sources=files,
                  unit_ids=[f.unit.id for f in figures if f.unit])
        return []


class ActionAnswerAvailability(Action):
    """'Is that available at Samsung?': whether the pages say a place offers the service in context."""

    def name(self) -> str:
        return "action_answer_availability"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = tracker.latest_message.get("intent")
        service = latest_entity(tracker, "service") or tracker.get_slot("service")
        text = tracker.latest_message.get("text") or ""
        if not service:
            dispatcher.utter_message(text=say("availability.which_service"))
            send_meta(dispatcher, intent, topic=None)
            return []

        def work(session):
            place = place_in_message(tracker, session)
            place_ref = place.id if place else (tracker.get_slot("hospital") or text)
            return service_availability(session, service, place_ref)

        try:
            answer = query_store(work)
        except StoreUnavailable:
            dispatcher.utter_message(text=store_down())
            return []
        if answer.status == "unknown_place":
            places = "; ".join(dict.fromkeys(place_name(o.unit) for o in answer.related))
            message = (say("availability.which_hospital_named", service=answer.service.name, places=places)
                       if places else say("availability.which_hospital"))
            dispatcher.utter_message(text=message)
            send_meta(dispatcher, intent, topic="availability")
            return []
        files = [o.source.file for o in (*answer.offerings, *answer.related)]
        unit_ids = [o.unit.id for o in answer.offerings]
        buttons = [] if answer.offered else coordinator_button()
        dispatcher.utter_message(text=explain(answer.explanation) + ("\n\n" + source_line(files) if files else ""), buttons=buttons)
        send_meta(dispatcher, intent, topic="availability", unit_ids=unit_ids, sources=files)
        events: list[EventType] = []
        if answer.hospital:
            events.append(SlotSet("hospital", answer.unit.id if answer.unit else answer.hospital.id))
        if answer.service:
            events.append(SlotSet("service", answer.service.id))
        return events
