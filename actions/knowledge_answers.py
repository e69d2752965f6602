"""Answers about services and topics, read from the knowledge store and cited by seed file."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import PatientCue, condition_text_for, latest_entity, patient_cue_in_message, patient_slots
from actions.replies import STORE_DOWN, bullet_list, send_meta, source_line
from actions.store import StoreUnavailable, query_store
from knowledge.matcher import get_matcher
from knowledge.relevance import rank_facts
from knowledge.queries import (
    Fact,
    HospitalRef,
    UnitRef,
    contacts,
    facts_by_topic,
    follow_up_care,
    partner_departments,
    resolve_place,
    route_patient,
    service_availability,
    transplant_kinds,
    unit_family,
)

# Which knowledge-store topic answers which intent, and the service a follow-up such as
# "is that available at Samsung?" then refers to.
TOPIC_OF_INTENT: dict[str, str] = {
    "ask_transplant": "transplant",
    "ask_car_t": "car_t",
    "ask_clinical_trials": "clinical_trials",
    "ask_targeted_therapy": "targeted_therapy",
    "ask_chemo_radiation": "chemotherapy_radiation",
    "ask_skin_biopsy": "skin_biopsy",
    "ask_mohs_surgery": "mohs_surgery",
    "ask_melanoma": "melanoma",
    "ask_skin_side_effects": "skin_side_effects",
    "ask_ovarian_surgery": "ovarian_surgery",
    "ask_certification": "certification",
    "ask_pediatric_support": "pediatric_support",
    "ask_palliative_care": "palliative_care",
    "ask_team": "multidisciplinary_team",
    "ask_follow_up": "follow_up",
    "ask_contact": "contact",
    "ask_about_hospital": "about",
}
SERVICE_OF_TOPIC: dict[str, str] = {
    "transplant": "hsct",
    "car_t": "car_t",
    "clinical_trials": "clinical_trials",
    "targeted_therapy": "targeted_therapy",
    "chemotherapy_radiation": "chemotherapy",
    "skin_biopsy": "skin_biopsy",
    "mohs_surgery": "mohs_surgery",
    "melanoma": "melanoma_multidisciplinary_care",
    "skin_side_effects": "treatment_skin_care",
    "ovarian_surgery": "ovarian_cancer_surgery",
    "pediatric_support": "social_economic_support",
    "palliative_care": "palliative_care",
    "multidisciplinary_team": "multidisciplinary_care",
    "follow_up": "follow_up_care",
}
TOPIC_TITLE: dict[str, str] = {
    "transplant": "stem-cell transplants",
    "car_t": "CAR-T cell therapy",
    "clinical_trials": "clinical trials",
    "targeted_therapy": "targeted, genomics-based and immuno-oncology treatment",
    "chemotherapy_radiation": "chemotherapy and radiation therapy",
    "skin_biopsy": "skin biopsy",
    "mohs_surgery": "Mohs surgery and skin cancer surgery",
    "melanoma": "melanoma care",
    "skin_side_effects": "skin problems caused by cancer treatment",
    "ovarian_surgery": "ovarian cancer surgery",
    "certification": "certifications",
    "pediatric_support": "support for children with cancer and their families",
    "palliative_care": "palliative care",
    "multidisciplinary_team": "multidisciplinary teams",
    "follow_up": "follow-up care after treatment",
    "contact": "contacting the hospitals",
    "about": "the hospitals' cancer units",
    "volumes": "figures",
}
MAX_FACTS = 6
NO_ANSWER = ("The hospitals' pages I have don't say anything about that{where}. An international coordinator can "
             "answer it for you.")
# The topic of a service named in a second question beside a route ("... and can he join a trial?").
TOPIC_OF_SERVICE: dict[str, str] = {
    **{service: topic for topic, service in SERVICE_OF_TOPIC.items()},
    "precision_medicine": "targeted_therapy", "immunotherapy": "targeted_therapy",
    "radiation_therapy": "chemotherapy_radiation", "hospital_school": "pediatric_support",
    "aid_associations": "pediatric_support", "family_shelter": "pediatric_support",
}
# A second question in the same message: "and" (or "also") followed by a question word.
SECOND_QUESTION = re.compile(r"\b(and|also|plus)\b[^.?!]*?\b(can|could|is|are|do|does|will|would|who|how|what|"
                             r"which|when|any)\b", re.IGNORECASE)
# Condition words that name no unit: the question is about the topic for everyone.
GENERIC_CONDITIONS = {"cancer"}
COORDINATOR_BUTTON = [{"title": "Talk to a coordinator", "payload": "/request_human"}]


def asked_text(tracker: Tracker) -> str:
    """The patient's words in the latest message ("" for a button such as "/ask_transplant")."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def topic_asked_beside(question: str) -> str | None:
    """The topic of a second question asked beside a route in `question` ("where should he go, and can
    he join a clinical trial?" -> clinical_trials): a service the message names, after a second
    question's cue; None for a message that asks one thing."""
    if not SECOND_QUESTION.search(question):
        return None
    for match in get_matcher().find(question):
        if match.kind == "service":
            topic = TOPIC_OF_SERVICE.get(match.id) or ("transplant" if match.id.startswith("hsct") else None)
            if topic:
                return topic
    return None


def patient_units(session, tracker: Tracker, cue: PatientCue) -> set[str] | None:
    """The units (with the units they belong to and contain) treating the condition the latest message
    names, else the units the conversation routed to; None when neither is known. Their facts alone
    answer a topic question ("lung cancer: can he join a trial?" never gets the gynecologic center's)."""
    condition = latest_entity(tracker, "condition")
    if condition and condition not in GENERIC_CONDITIONS:
        result = route_patient(session, condition_text_for(tracker), age=cue.age,
                               is_child=None if cue.age is not None else cue.is_child)
        routed = [route.unit.id for route in result.routes]
    else:
        routed = [unit_id for unit_id in tracker.get_slot("routed_unit_ids") or [] if isinstance(unit_id, str)]
    return unit_family(session, routed) if routed else None


def fact_line(fact: Fact) -> str:
    """A fact in plain words, with the place it is about and the date it holds for."""
    place = fact.unit.full_name if fact.unit else (fact.hospital.name if fact.hospital else
                                                   fact.organization.name if fact.organization else "")
    hospital = f", {fact.unit.hospital_name}" if fact.unit else ""
    dated = f" (as of {fact.as_of})" if fact.as_of else ""
    return f"{fact.text}{dated}" + (f" [{place}{hospital}]" if place else "")


def place_in_message(tracker: Tracker, session) -> HospitalRef | UnitRef | None:
    """The hospital or unit the latest message names, if any (entity first, then the raw text)."""
    named = latest_entity(tracker, "hospital")
    place = resolve_place(session, named) if named else None
    if place is None:
        text = tracker.latest_message.get("text") or ""
        place = resolve_place(session, text) if text and not text.startswith("/") else None
    return place


def place_filter(place: HospitalRef | UnitRef | None) -> dict[str, str]:
    if isinstance(place, UnitRef):
        return {"unit_id": place.id}
    if isinstance(place, HospitalRef):
        return {"hospital_id": place.id}
    return {}


def place_name(place: HospitalRef | UnitRef | None) -> str:
    if isinstance(place, UnitRef):
        return f"{place.full_name} ({place.hospital_name})"
    return place.name if place else ""


def serving(items: list, unit_of, age_group: str | None) -> list:
    """The items whose unit serves a patient of `age_group` ("our 11 year old needs a transplant": not
    the adults' units); all of them when the age is not known."""
    return [item for item in items if unit_of(item) is None or unit_of(item).serves(age_group)]


def topic_facts(session, topic: str, place, age_group: str | None = None,
                units: set[str] | None = None) -> list[Fact]:
    """The facts answering `topic` (at `place`, when one is named; for the patient's age group, when
    known; only those of `units`, the patient's units, when given), unique, in content order."""
    facts = facts_by_topic(session, topic, **place_filter(place))
    if topic == "multidisciplinary_team":
        facts += facts_by_topic(session, "partner_departments", **place_filter(place))
    if topic == "about":
        facts += facts_by_topic(session, "research", **place_filter(place))
    unique = list({fact.id: fact for fact in facts}.values())
    if units is not None:
        return [fact for fact in unique if fact.unit is not None and fact.unit.id in units]
    # nothing about this age group: what the pages say at all, each fact naming its unit
    return serving(unique, lambda fact: fact.unit, age_group) or unique


def compose_topic_answer(session, topic: str, place, age_group: str | None = None,
                         question: str = "", units: set[str] | None = None) -> tuple[str, list[str], list[str]]:
    """The answer text for `topic` (for a patient of `age_group` when known; only about `units`, the
    units treating the patient's condition, when given), the unit ids it is about and the seed files it
    cites; the facts that best answer `question` (the patient's words) first."""
    def ours(unit) -> bool:
        return units is None or (unit is not None and unit.id in units)

    title = TOPIC_TITLE.get(topic, topic.replace("_", " "))
    where = f" at {place_name(place)}" if place else ""
    lines: list[str] = []
    files: list[str] = []
    unit_ids: list[str] = []
    if topic == "transplant" and place is None:
        overview = transplant_kinds(session)
        overview_facts = rank_facts(question, serving([f for f in overview.facts if ours(f.unit)],
                                                      lambda fact: fact.unit, age_group))[:3]
        kinds = [(kind, serving([o for o in kind.offered_by if ours(o.unit)], lambda o: o.unit, age_group))
                 for kind in overview.kinds]
        kinds = [(kind, offered_by) for kind, offered_by in kinds if offered_by]
        if not overview_facts and not kinds and units is None:  # nothing for this age group: all the pages say
            age_group = None
            overview_facts = rank_facts(question, list(overview.facts))[:3]
            kinds = [(kind, list(kind.offered_by)) for kind in overview.kinds if kind.offered_by]
        lines.append("Here is what the pages say about stem-cell (bone marrow) transplants"
                     + {"child": " for children and adolescents", "adult": " for adults"}.get(age_group, "") + ":")
        lines += [f"- {fact_line(fact)}" for fact in overview_facts]
        if kinds:
            lines.append("Kinds of transplant and donor types named on the pages:")
            for kind, offered_by in kinds:
                where_done = ", ".join(dict.fromkeys(f"{o.unit.full_name} ({o.unit.hospital_name})" for o in offered_by))
                lines.append(f"- {kind.service.name}: {kind.service.description} ({where_done})")
                files += [o.source.file for o in offered_by]
                unit_ids += [o.unit.id for o in offered_by]
        files += [fact.source.file for fact in overview_facts]
        unit_ids += [fact.unit.id for fact in overview_facts if fact.unit]
    elif topic == "follow_up":
        steps = follow_up_care(session, place.id if isinstance(place, UnitRef) else None)
        if isinstance(place, HospitalRef):
            steps = [step for step in steps if step.unit.hospital_id == place.id]
        steps = [step for step in steps if ours(step.unit)]
        if steps:
            lines.append(f"Follow-up care after treatment{where}, as the pages describe it:")
            lines += [f"- {step.text} [{step.unit.full_name}, {step.unit.hospital_name}]" for step in steps]
            files += [step.source.file for step in steps]
            unit_ids += [step.unit.id for step in steps]
    elif topic == "contact":
        lines_before = len(lines)
        for contact in contacts(session, place.id if isinstance(place, HospitalRef) else None):
            owner = contact.organization.name if contact.organization else (contact.hospital.name if contact.hospital else "")
            note = f" ({contact.note})" if contact.note else ""
            lines.append(f"- {contact.label}: {contact.value} [{owner}]{note}")
            files.append(contact.source.file)
        if len(lines) > lines_before:
            lines.insert(lines_before, "The contact details the pages give:")
            lines.append("You can also send a referral inquiry here, and an international coordinator will answer it.")
    if not lines:
        facts = rank_facts(question, topic_facts(session, topic, place, age_group, units))[:MAX_FACTS]
        if facts:
            lines.append(f"Here is what the hospitals' pages say about {title}{where}:")
            lines += [f"- {fact_line(fact)}" for fact in facts]
            files += [fact.source.file for fact in facts]
            unit_ids += [fact.unit.id for fact in facts if fact.unit]
    if not lines:
        return NO_ANSWER.format(where=where), [], []
    lines += ["", source_line(files)]
    return "\n".join(lines), unit_ids, files


class ActionAnswerTopic(Action):
    """Answer a question about a service or topic (transplants, CAR-T, trials, skin care, ...)."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
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
            dispatcher.utter_message(text=STORE_DOWN)
            return []
        dispatcher.utter_message(text=text, buttons=[] if files else COORDINATOR_BUTTON)
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
        routed = set(tracker.get_slot("routed_unit_ids") or [])

        def work(session):
            place = place_in_message(tracker, session)
            figures = facts_by_topic(session, "volumes", **place_filter(place))
            if topic and topic != "route":
                figures = [f for f in figures if topic in f.topics] or [
                    f for f in facts_by_topic(session, topic, **place_filter(place)) if f.value is not None or f.since]
            elif routed:
                figures = [f for f in figures if f.unit and f.unit.id in routed]
            return rank_facts(asked_text(tracker), figures)[:MAX_FACTS]

        try:
            figures = query_store(work)
        except StoreUnavailable:
            dispatcher.utter_message(text=STORE_DOWN)
            return []
        if not figures:
            dispatcher.utter_message(text=NO_ANSWER.format(where="") + " (I found no figure for that.)",
                                     buttons=COORDINATOR_BUTTON)
            send_meta(dispatcher, intent, topic="volumes", declined=True)
            return []
        files = [fact.source.file for fact in figures]
        dispatcher.utter_message(text="The figures the pages give:\n" + bullet_list(fact_line(f) for f in figures)
                                 + "\n\n" + source_line(files))
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
            dispatcher.utter_message(text="Which treatment or service do you mean? For example CAR-T, a stem-cell "
                                          "transplant, Mohs surgery or clinical trials.")
            send_meta(dispatcher, intent, topic=None)
            return []

        def work(session):
            place = place_in_message(tracker, session)
            place_ref = place.id if place else (tracker.get_slot("hospital") or text)
            return service_availability(session, service, place_ref)

        try:
            answer = query_store(work)
        except StoreUnavailable:
            dispatcher.utter_message(text=STORE_DOWN)
            return []
        if answer.status == "unknown_place":
            places = "; ".join(dict.fromkeys(f"{o.unit.full_name} ({o.unit.hospital_name})" for o in answer.related))
            message = (f"Which hospital do you mean? The pages mention {answer.service.name} at: {places}."
                       if places else "Which hospital do you mean?")
            dispatcher.utter_message(text=message)
            send_meta(dispatcher, intent, topic="availability")
            return []
        files = [o.source.file for o in (*answer.offerings, *answer.related)]
        unit_ids = [o.unit.id for o in answer.offerings]
        buttons = [] if answer.offered else COORDINATOR_BUTTON
        dispatcher.utter_message(text=answer.explanation + ("\n\n" + source_line(files) if files else ""), buttons=buttons)
        send_meta(dispatcher, intent, topic="availability", unit_ids=unit_ids, sources=files)
        events: list[EventType] = []
        if answer.hospital:
            events.append(SlotSet("hospital", answer.unit.id if answer.unit else answer.hospital.id))
        if answer.service:
            events.append(SlotSet("service", answer.service.id))
        return events
