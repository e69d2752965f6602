"""Routing a patient to a unit, follow-ups that change who the patient is, and refusing diagnoses."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import PatientCue, RouteOn, latest_entity, patient_cue, patient_slots, route_on
from actions.fact_answers import (
    GENERIC_CONDITIONS,
    answer_about_named_place,
    asked_text,
    compose_topic_answer,
    confident_answer,
    second_question,
)
from actions.replies import bullet_list, send_meta, source_line, store_down
from actions.store import StoreUnavailable, query_store
from knowledge.queries import Route, RoutingResult, route_patient, unit_family
from knowledge.question import read_question
from messages import say
from messages.explain import explain

def age_group_buttons() -> list[dict[str, str]]:
    """Quick replies that say whether the patient is a child or an adult."""
    return [{"title": say("button.child"), "payload": '/inform_patient{"age_group": "child"}'},
            {"title": say("button.adult"), "payload": '/inform_patient{"age_group": "adult"}'}]


def referral_buttons() -> list[dict[str, str]]:
    """Quick replies to send an inquiry or reach a coordinator."""
    return [{"title": say("button.send_inquiry"), "payload": "/request_referral"},
            {"title": say("button.talk_to_coordinator"), "payload": "/request_human"}]


# "Where should he go?", "which clinic?", "who treats her?": the message asks for a unit.
WHERE_TO_GO = re.compile(r"\bwhere (should|can|could|to|do|shall|must|would)\b|\bwhich (department|clinic|hospital|team|"
                         r"unit|center|centre|division)\b|\bwho (treats|should|can treat|will treat|would treat)\b|"
                         r"\bwhere to (go|treat)\b|\bwho should (i|we) contact\b|\bwhere in (seoul|korea)\b", re.IGNORECASE)


def asks_where_to_go(tracker: Tracker) -> bool:
    """Whether the latest message asks where to go for a condition it names (a specific condition, not
    the bare word "cancer")."""
    condition = latest_entity(tracker, "condition")
    return bool(condition) and condition not in GENERIC_CONDITIONS and bool(WHERE_TO_GO.search(asked_text(tracker)))


def describe_route(route: Route) -> str:
    """One routed unit: its name, its hospital, who it is for when that matters, and the page's reason."""
    unit = route.unit
    if route.age_group:
        return say("route.line_for_group", unit=unit.full_name, hospital=unit.hospital_name,
                   group=say(f"route.age_group.{route.age_group}"), reason=route.reason)
    return say("route.line", unit=unit.full_name, hospital=unit.hospital_name, reason=route.reason)


def render_routing(result: RoutingResult) -> tuple[str, list[str], list[str]]:
    """The answer text, the routed unit ids and the cited seed files."""
    routes = list(result.routes)
    files = [source.file for route in routes for source in route.sources]
    lines = [explain(result.explanation), "", bullet_list(describe_route(route) for route in routes)]
    notes = list(dict.fromkeys(route.note for route in routes if route.note))
    if notes:
        lines += ["", *notes]
    lines += ["", source_line(files)]
    return "\n".join(lines).strip(), [route.unit.id for route in routes], files


def route_and_answer(dispatcher: CollectingDispatcher, tracker: Tracker, target: RouteOn,
                     cue: PatientCue) -> list[EventType]:
    """Route on `target` for the patient in `cue`, say where to go, and remember the context (ids)."""
    intent = tracker.latest_message.get("intent")
    try:
        result = query_store(lambda session: route_patient(session, target.text, age=cue.age, is_child=cue.is_child,
                                                           condition_id=target.condition_id))
    except StoreUnavailable:
        dispatcher.utter_message(text=store_down())
        return []
    remembered_cue = PatientCue(age=result.age if result.age is not None else cue.age,
                                is_child=cue.is_child if result.age_group is None else result.age_group == "child",
                                relation=result.relation or cue.relation)
    events: list[EventType] = [SlotSet(k, v) for k, v in patient_slots(remembered_cue).items()]

    if result.condition is None and result.service is None and result.out_of_scope is None:
        # nothing to route on: a question the store's facts answer clearly ("KIMA's phone lines?") gets them
        answered = confident_answer(tracker)
        if answered is not None:
            text, unit_ids, files = answered
            dispatcher.utter_message(text=text)
            send_meta(dispatcher, intent, topic="facts", unit_ids=unit_ids, sources=files)
            return events
    if not result.in_scope:
        dispatcher.utter_message(text=f"{explain(result.explanation)}\n\n{say('route.out_of_scope_coordinator')}",
                                 buttons=referral_buttons()[1:])
        send_meta(dispatcher, intent, topic="route", declined=True)
        return [*events, SlotSet("condition", None), SlotSet("routed_unit_ids", [])]
    if not result.routes:
        dispatcher.utter_message(text=say("route.ask_condition"))
        send_meta(dispatcher, intent, topic="route")
        return events

    text, unit_ids, files = render_routing(result)
    # ids, never names: a later turn routes on the id, not on words the bot wrote
    events += [SlotSet("condition", result.condition.id if result.condition else None),
               SlotSet("routed_unit_ids", unit_ids), SlotSet("last_topic", "route")]
    if result.condition is None and result.service is not None:
        events.append(SlotSet("service", result.service.id))
    if result.needs_age_group:
        dispatcher.utter_message(text=text)
        # a second question is answered for the routes of an unknown age that are not the children's only
        adults_or_any = [route.unit.id for route in result.routes if route.age_group != "child"] or unit_ids
        second = second_answer(tracker, adults_or_any, None)
        if second:
            dispatcher.utter_message(text=second[0])
            files = [*files, *second[1]]
        dispatcher.utter_message(text=say("route.ask_age_group"), buttons=age_group_buttons())
        send_meta(dispatcher, intent, topic="route", unit_ids=unit_ids, sources=files, needs_age_group=True)
        return events
    second = second_answer(tracker, unit_ids, remembered_cue.age_group)
    if second:  # "where should he go, and can he join a trial?": the route, then that unit's answer
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(text=second[0])
        dispatcher.utter_message(text=say("route.offer_referral"), buttons=referral_buttons())
        files = [*files, *second[1]]
    else:
        dispatcher.utter_message(text=f"{text}\n\n{say('route.offer_referral')}", buttons=referral_buttons())
    send_meta(dispatcher, intent, topic="route", unit_ids=unit_ids, sources=files)
    return events


def second_answer(tracker: Tracker, unit_ids: list[str], age_group: str | None) -> tuple[str, list[str]] | None:
    """The answer to a second question asked beside the route in the same message, for the routed
    units only (its text and seed files), or None when none was asked or the store is down."""
    second = second_question(asked_text(tracker), WHERE_TO_GO)
    if second is None:
        return None
    words, topic = second
    try:
        # the condition named in the first part is what the second part is about
        text, _units, files = query_store(lambda session: compose_topic_answer(
            session, topic, None, age_group, words, unit_family(session, unit_ids),
            subject=latest_entity(tracker, "condition") or ""))
    except StoreUnavailable:
        return None
    return (text, files) if files else None


class ActionRoutePatient(Action):
    """Which unit to contact for a condition, for an adult or a child."""

    def name(self) -> str:
        return "action_route_patient"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        target = route_on(tracker)
        cue = patient_cue(tracker)
        if not WHERE_TO_GO.search(asked_text(tracker)):
            # "does pediatric hematology also treat low platelets?", "is CAR-T possible at SNUH?": a question
            # about the unit or hospital it names, answered before any route
            answered = answer_about_named_place(tracker, cue.age_group)
            if answered is None and read_question(asked_text(tracker)).kinds:
                # "kid 10 with leukemia: since what year does the children's unit exist?": a kind of fact is
                # asked about the units treating the condition, not where to go
                answered = confident_answer(tracker)
            if answered is not None:
                text, unit_ids, files = answered
                dispatcher.utter_message(text=text)
                send_meta(dispatcher, tracker.latest_message.get("intent"), topic="facts", unit_ids=unit_ids,
                          sources=files)
                return []
        if target is None:
            dispatcher.utter_message(text=say("route.ask_condition"))
            send_meta(dispatcher, tracker.latest_message.get("intent"), topic="route")
            return []
        return route_and_answer(dispatcher, tracker, target, cue)


class ActionHandlePatientInfo(Action):
    """A follow-up that says who the patient is ("what about for my son?", "she is 45"): route the
    condition in context again for that patient, or ask for the condition."""

    def name(self) -> str:
        return "action_handle_patient_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        cue = patient_cue(tracker)
        # a condition named in this message is routed with the message's own words around it ("cancer of
        # the womb", not only the "cancer" tagged in it); else the condition in context
        named = latest_entity(tracker, "condition")
        remembered = tracker.get_slot("condition")
        target = route_on(tracker) if named else (RouteOn("", remembered) if remembered else None)
        if target is not None:
            return route_and_answer(dispatcher, tracker, target, cue)
        dispatcher.utter_message(text=say("route.ask_condition"))
        send_meta(dispatcher, tracker.latest_message.get("intent"), topic="route")
        return [SlotSet(k, v) for k, v in patient_slots(cue).items()]


class ActionRefuseDiagnosis(Action):
    """Follows `utter_refuse_diagnosis` (a kind refusal that says why) with the unit that can help."""

    def name(self) -> str:
        return "action_refuse_diagnosis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = tracker.latest_message.get("intent")
        target = route_on(tracker)
        cue = patient_cue(tracker)
        result = None
        if target is not None:
            try:
                result = query_store(lambda session: route_patient(session, target.text, age=cue.age, is_child=cue.is_child,
                                                                   condition_id=target.condition_id))
            except StoreUnavailable:
                result = None
        if result is not None and result.in_scope and result.routes:
            text, unit_ids, files = render_routing(result)
            dispatcher.utter_message(text=f"{say('route.unit_that_can_help')}\n{text}", buttons=referral_buttons())
            send_meta(dispatcher, intent, topic="route", unit_ids=unit_ids, sources=files)
            return [SlotSet("routed_unit_ids", unit_ids), SlotSet("last_topic", "route")]
        dispatcher.utter_message(text=say("route.tell_condition"), buttons=referral_buttons())
        send_meta(dispatcher, intent, topic="route")
        return []
