"""The text of an answer from the knowledge store's cited facts: the fact that answers the question
first, then at most two closely related ones, with their sources; the context that narrows which facts
may answer (a hospital named, the patient's units, the patient's age group). In a conversation in
another language than English a fact is said in its translation (knowledge/content/translations/) where
it has one, and the answer says so once, above its source line."""
from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions.context import PatientCue, latest_entity, patient_cue_in_message, route_on
from actions.replies import source_line
from actions.store import StoreUnavailable, query_store
from actions.topics import TOPIC_OF_SERVICE, topic_family
from knowledge.answering import MIN_ANSWER_SCORE, FactAnswer, rank_answers
from knowledge.reading import read_message
from knowledge.relevance import asked_sentence_first
from knowledge.queries import (
    Fact,
    FactTranslation,
    HospitalRef,
    UnitRef,
    contacts,
    facts_by_topic,
    resolve_place,
    route_patient,
    unit_family,
)
from messages import SOURCE_LOCALE, say, spoken_locale

MAX_RELATED = 2  # facts shown under the one that answers the question
MAX_TOPIC_FACTS = 4  # facts of a topic asked about in general ("tell me about CAR-T")
# "Do they ...?", "Is there ...?", "Can I ...?": a question answered yes when the pages say so.
YES_NO_QUESTION = re.compile(r"^(do|does|did|is|are|can|could|will|would|have|has)\b", re.IGNORECASE)
# A question word: a question with one asks for more than yes or no.
WH_WORD = re.compile(r"\b(what|which|when|where|who|whom|whose|why|how)\b", re.IGNORECASE)
# A request for a phone number or an email address: the contact lines answer it.
CONTACT_ASKED = re.compile(r"\b(phone|telephone|e-?mail|whatsapp|contact (details|information|numbers?)|"
                           r"(can|could|should|do) (we|i) call)\b", re.IGNORECASE)
# A second question in the same message: "and" (or "also") followed by a question word.
SECOND_QUESTION = re.compile(r"(\b(and|also|plus)\b|\+)[^.?!]*?\b(can|could|is|are|do|does|will|would|who|how|what|where|"
                             r"which|when|any)\b", re.IGNORECASE)
# Words that ask something: a part of a message before "and where should he go?" that asks a question.
ASKS_SOMETHING = re.compile(r"\b(can|could|is|are|do|does|did|will|would|who|how|what|which|when|any|has|have)\b",
                            re.IGNORECASE)
# Condition words that name no unit: the question is about the topic for everyone.
GENERIC_CONDITIONS = {"cancer"}
# A message worded as a question: "...?", or one starting with a question word.
ASKED = re.compile(r"\?|^\s*(how|what|when|which|who|is|are|does|do|did|can|could|will|would|has|have)\b", re.IGNORECASE)
# A message the classifier could not place is answered from the facts only above this score.
CONFIDENT_ANSWER_SCORE = 4.0


def coordinator_button() -> list[dict[str, str]]:
    """The quick reply to a coordinator, under an answer the pages could not give."""
    return [{"title": say("button.talk_to_coordinator"), "payload": "/request_human"}]


def no_answer(place=None) -> str:
    """The pages say nothing about it (at `place`), and a coordinator can answer."""
    return say("answer.none_at", place=place_name(place)) if place else say("answer.none")


def asked_text(tracker: Tracker) -> str:
    """The patient's words in the latest message ("" for a button such as "/ask_transplant")."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def second_question(question: str, where_to_go: re.Pattern | None = None) -> tuple[str, str | None] | None:
    """A second question asked beside a route in `question` ("where should he go, and can he join a
    clinical trial?"): its words from the cue on, and the topic of a service it names (None when it
    names none); None for a message that asks one thing. With `where_to_go` (the wording of a request
    for a unit): when the part from the cue on is that request and the part before it is not ("how often
    are the check-ups, and which center should I go to?"), the question beside the route is the part
    before the cue."""
    cue = SECOND_QUESTION.search(question)
    if cue is None:
        return None
    words, before = question[cue.start():], question[:cue.start()]
    if (where_to_go is not None and where_to_go.search(words) and not where_to_go.search(before)
            and ASKS_SOMETHING.search(before)):
        words = before
    if CONTACT_ASKED.search(words):
        return words, "contact"
    for service in read_message(words).services:
        topic = TOPIC_OF_SERVICE.get(service) or ("transplant" if service.startswith("hsct") else None)
        if topic:
            return words, topic
    return words, None


def patient_units(session, tracker: Tracker, cue: PatientCue, from_condition_only: bool = False) -> set[str] | None:
    """The units (with the units they belong to and contain) treating the condition the latest message
    names, else the units the conversation routed to; None when neither is known. Their facts alone
    answer a topic question ("lung cancer: can he join a trial?" never gets the gynecologic center's)."""
    condition = latest_entity(tracker, "condition")
    if condition and condition not in GENERIC_CONDITIONS:
        result = route_patient(session, route_on(tracker).text, age=cue.age,
                               is_child=None if cue.age is not None else cue.is_child)
        # Age not known: the condition's own unit, not the children's unit that takes any childhood
        # cancer ("lung cancer trials?" is not about the children's trials), unless only children's fit.
        routes = [route for route in result.routes if route.age_group != "child"] if cue.age_group is None else []
        routed = [route.unit.id for route in routes or result.routes]
    elif from_condition_only:
        return None
    else:
        routed = [unit_id for unit_id in tracker.get_slot("routed_unit_ids") or [] if isinstance(unit_id, str)]
    return unit_family(session, routed) if routed else None


def translation_said(fact: Fact) -> FactTranslation | None:
    """The fact's translation into the language being spoken; None in English, or where it has none (the
    fact is then said in English)."""
    language = spoken_locale()
    return None if language == SOURCE_LOCALE else fact.translation(language)


def fact_line(fact: Fact, question: str = "") -> str:
    """A fact in plain words, with the place it is about and the date it holds for: in the language being
    spoken where the fact has a translation into it, else in English, where with `question` the fact's
    sentence that answers it comes first (see `asked_sentence_first`)."""
    place = fact.unit.full_name if fact.unit else (fact.hospital.name if fact.hospital else
                                                   fact.organization.name if fact.organization else "")
    hospital = f", {fact.unit.hospital_name}" if fact.unit else ""
    dated = " " + say("answer.as_of", date=fact.as_of) if fact.as_of else ""
    translated = translation_said(fact)
    if translated is not None:
        text = translated.text
    else:
        text = asked_sentence_first(question, fact.text) if question else fact.text
    return f"{text}{dated}" + (f" [{place}{hospital}]" if place else "")


def translation_note(facts) -> str:
    """The note for an answer that said any of `facts` in our translation ("" when it said none): the
    hospital pages are in English, and a native speaker has not yet reviewed the translation unless every
    translation said was reviewed. Said once per answer, above its source line (`source_line`)."""
    said = [translation for translation in map(translation_said, facts) if translation is not None]
    if not said:
        return ""
    if all(translation.reviewed_by_native_speaker for translation in said):
        return say("answer.translated_fact_reviewed")
    return say("answer.translated_fact")


def place_in_message(tracker: Tracker, session) -> HospitalRef | UnitRef | None:
    """The hospital or unit the latest message names, if any (entity first, then the raw text; a unit the
    text names is more precise than a hospital entity: "the 'Skin Care Center', is it in the main SNUH?")."""
    named = latest_entity(tracker, "hospital")
    place = resolve_place(session, named) if named else None
    if place is None or isinstance(place, HospitalRef):
        text = tracker.latest_message.get("text") or ""
        in_text = resolve_place(session, text) if text and not text.startswith("/") else None
        if place is None or isinstance(in_text, UnitRef):
            place = in_text
    return place


def place_filter(place: HospitalRef | UnitRef | None) -> dict[str, str]:
    if isinstance(place, UnitRef):
        return {"unit_id": place.id}
    if isinstance(place, HospitalRef):
        return {"hospital_id": place.id}
    return {}


def place_name(place: HospitalRef | UnitRef | None) -> str:
    if isinstance(place, UnitRef):
        return say("answer.place_unit", unit=place.full_name, hospital=place.hospital_name)
    return place.name if place else ""


def serving(items: list, unit_of, age_group: str | None) -> list:
    """The items whose unit serves a patient of `age_group` ("our 11 year old needs a transplant": not
    the adults' units); all of them when the age is not known."""
    return [item for item in items if unit_of(item) is None or unit_of(item).serves(age_group)]


def candidate_facts(session, place, age_group: str | None = None, units: set[str] | None = None) -> list[Fact]:
    """The facts an answer may use, every topic: at `place` when one is named; only those of `units` (the
    patient's units) when given; else those of units serving the patient's age group when known (all of
    them when none does: what the pages say at all, each fact naming its unit)."""
    if isinstance(place, UnitRef):  # a unit's facts, and those of the units it belongs to and contains
        units = unit_family(session, [place.id]) if units is None else units & unit_family(session, [place.id])
        place = None
    facts = facts_by_topic(session, None, **place_filter(place))
    if units is not None:
        return [fact for fact in facts if fact.unit is not None and fact.unit.id in units]
    return serving(facts, lambda fact: fact.unit, age_group) or facts


def topic_facts(facts: list[Fact], topic: str) -> list[Fact]:
    """Those of `facts` under `topic` (a team question also reads the partner departments, a question
    about a unit its research)."""
    wanted = set(topic_family(topic))
    return [fact for fact in facts if wanted & set(fact.topics)]


def asks_yes_or_no(text: str) -> bool:
    """Whether `text` asks a yes-or-no question: it starts with "do", "is", "can", ... or one of its
    sentences ending in "?" does, or asks without a question word ("SNU cancer hospital can do Mohs?")."""
    text = text.strip()
    if YES_NO_QUESTION.match(text):
        return True
    asked = [part.strip() for part in re.findall(r"[^.?!]*\?", text) if part.strip()]
    return any(YES_NO_QUESTION.match(part) or not WH_WORD.search(part) for part in asked)


def yes_to(answer: FactAnswer, fact: Fact) -> bool:
    """Whether the question asks if a service is offered ("do they do Mohs?") and `fact` says the
    service named is provided: the answer then starts with "Yes"."""
    return asks_yes_or_no(answer.question.text) and answer.names_service_of(fact)


def compose_topic_answer(session, topic: str | None, place, age_group: str | None = None,
                         question: str = "", units: set[str] | None = None, subject: str = "",
                         min_score: float | None = None) -> tuple[str, list[str], list[str]] | None:
    """The answer to `question` (the patient's words), classified under `topic` (None: not known), for a
    patient of `age_group` when known, only about `units` (the units treating the patient's condition)
    when given (`subject`: what the question is about when it does not say, see `rank_answers`): the text,
    the unit ids it is about and the seed files it cites.

    The fact that answers the question comes first, then at most two closely related facts. A question
    that asks for a kind of answer no fact gives (a year, a number, which departments, ...) is told the
    pages do not say. A general question about a topic ("tell me about CAR-T", a topic button) gets the
    topic's best facts. With `min_score`, None unless the best fact scores at least that (one ranking
    decides and answers)."""
    if topic == "contact":
        return compose_contacts(session, place)
    facts = candidate_facts(session, place, age_group, units)
    answer = rank_answers(session, question, facts, topic_family(topic), subject)
    if min_score is not None and (not answer.ranked or answer.ranked[0].score < min_score):
        return None
    if question and (answer.value_not_given or (answer.service_unmentioned and (place is not None or units))):
        # the value asked for, or the service at the place or units asked about: the pages don't say
        return no_answer(place), [], []
    chosen = answer.top(1 + MAX_RELATED)
    lines: list[str] = []
    if chosen:
        lead = say("answer.yes") + " " if yes_to(answer, chosen[0]) else ""
        lines.append(lead + fact_line(chosen[0], question))
        if len(chosen) > 1:
            lines += ["", say("answer.related"), *(f"- {fact_line(fact)}" for fact in chosen[1:])]
    elif topic is not None and not answer.question.kinds:
        in_topic = [item for item in answer.ranked if set(topic_family(topic)) & set(item.fact.topics)]
        # a button, or words that touch the topic at all; a message sharing nothing with the topic's facts
        # ("a nose job while in Korea" guessed as a support question) gets "the pages don't say"
        if not question or any(item.score > 0 for item in in_topic):
            chosen = ([item.fact for item in in_topic] or topic_facts(facts, topic))[:MAX_TOPIC_FACTS]
        if chosen:
            title = say(f"topic_title.{topic}")
            lines.append(say("answer.topic_lead_at", title=title, place=place_name(place)) if place
                         else say("answer.topic_lead", title=title))
            lines += [f"- {fact_line(fact)}" for fact in chosen]
    if not lines:
        return no_answer(place), [], []
    files = [fact.source.file for fact in chosen]
    lines += ["", source_line(files, translation_note(chosen))]
    return "\n".join(lines), [fact.unit.id for fact in chosen if fact.unit], files


def compose_contacts(session, place) -> tuple[str, list[str], list[str]]:
    """The contact lines the pages give (for a hospital named), whose lines they are, and the way to a
    coordinator."""
    lines, files = [], []
    for contact in contacts(session, place.id if isinstance(place, HospitalRef) else None):
        owner = contact.organization.name if contact.organization else (contact.hospital.name if contact.hospital else "")
        note = f" ({contact.note})" if contact.note else ""
        lines.append(f"- {contact.label}: {contact.value} [{owner}]{note}")
        files.append(contact.source.file)
    if not lines:
        return no_answer(place), [], []
    lines = [say("contact.lead"), *lines, say("contact.inquiry"),
             "", source_line(files)]
    return "\n".join(lines), [], files


def confident_answer(tracker: Tracker) -> tuple[str, list[str], list[str]] | None:
    """An answer from the facts alone, for a message the classifier could not place, when a fact
    answers it clearly (a score well above a shared common word); None otherwise or when the store is
    down. The text, the unit ids and the seed files, as `compose_topic_answer` returns them."""
    question = asked_text(tracker)
    if not question:
        return None
    cue = patient_cue_in_message(tracker)

    def work(session):
        place = place_in_message(tracker, session)
        if isinstance(place, UnitRef):
            units = None
        else:
            # the units treating the condition named (within the hospital named, if one is)
            units = patient_units(session, tracker, cue, from_condition_only=place is not None)
        # candidates narrowed to the units treating the condition asked about need no more than a unit named
        condition = latest_entity(tracker, "condition")
        narrowed = isinstance(place, UnitRef) or (bool(units) and bool(condition) and condition not in GENERIC_CONDITIONS)
        floor = MIN_ANSWER_SCORE if narrowed and ASKED.search(question) else CONFIDENT_ANSWER_SCORE
        return compose_topic_answer(session, None, place, cue.age_group, question, units, min_score=floor)

    try:
        return query_store(work)
    except StoreUnavailable:
        return None


def answer_about_named_place(tracker: Tracker, age_group: str | None) -> tuple[str, list[str], list[str]] | None:
    """The answer from the facts of a unit or hospital the latest message names ("does pediatric hematology
    also treat low platelets?", "DLBCL came back twice: is CAR-T possible at SNUH?"), when a fact answers
    it (clearly, for a hospital: its facts span every unit); None when no place is named, none answers, or
    the store is down. The text, the unit ids and the seed files, as `compose_topic_answer` returns them."""
    question = asked_text(tracker)
    if not question:
        return None

    def work(session):
        place = place_in_message(tracker, session)
        if place is None:
            return None
        floor = MIN_ANSWER_SCORE if isinstance(place, UnitRef) else CONFIDENT_ANSWER_SCORE
        return compose_topic_answer(session, None, place, age_group, question, min_score=floor)

    try:
        return query_store(work)
    except StoreUnavailable:
        return None
