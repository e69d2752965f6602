"""What the conversation says about the patient: the latest message's entities first, then the slots.

Entities come from the NLU pipeline (DIET, the synonym mapper and the knowledge-store term extractor);
the term matcher reads the raw text too, so a cue the model missed ("my 5 year old") still counts.
"""
from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from knowledge.reading import read_message

CHILD_AGE_LIMIT = 18  # the project's cut-off for children and adolescents (the pages give none)


def whole_number(text: object) -> int | None:
    """The whole number written in `text` with decimal digits of any script ("7", "١٢"), else None.
    Not `str.isdigit()`: it also accepts superscripts and circled digits ("²", "③") that `int()` rejects."""
    value = str(text).strip() if text is not None else ""
    if not value.isdecimal():
        return None
    try:
        return int(value)
    except ValueError:  # isdecimal() and int() agree on every Python we know; never crash on a message
        return None


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The last value of entity `name` in the latest user message, as a string."""
    values = [str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]
    return values[-1] if values else None


@dataclass(frozen=True)
class PatientCue:
    """Who the patient is, as far as the conversation says (None: not said)."""

    age: int | None
    is_child: bool | None
    relation: str | None

    @property
    def age_group(self) -> str | None:
        if self.age is not None:
            return "child" if self.age < CHILD_AGE_LIMIT else "adult"
        if self.is_child is not None:
            return "child" if self.is_child else "adult"
        return None

    @property
    def known(self) -> bool:
        return self.age_group is not None


def patient_cue_in_message(tracker: Tracker) -> PatientCue:
    """The age, child/adult flag and relation the latest message gives, from buttons, entities or text."""
    text = tracker.latest_message.get("text") or ""
    cue = read_message(text).age_cue if not text.startswith("/") else None
    age = cue.age if cue else None
    is_child = cue.is_child if cue else None
    relation = cue.relation if cue else None
    if age is None:
        age = whole_number(latest_entity(tracker, "age"))
    button_group = latest_entity(tracker, "age_group")
    if button_group in ("child", "adult"):
        is_child = button_group == "child"
        age = None if (age is not None and (age < CHILD_AGE_LIMIT) != is_child) else age
    return PatientCue(age=age, is_child=is_child, relation=relation or latest_entity(tracker, "relation"))


def patient_cue(tracker: Tracker) -> PatientCue:
    """The latest message's cue where it gives one, else what earlier turns established (slots)."""
    latest = patient_cue_in_message(tracker)
    if latest.known:
        return latest
    slot_age = tracker.get_slot("patient_age")
    slot_group = tracker.get_slot("age_group")
    return PatientCue(
        age=int(slot_age) if isinstance(slot_age, (int, float)) and 0 <= slot_age < 200 else None,
        is_child=None if slot_group is None else slot_group == "child",
        relation=latest.relation or tracker.get_slot("relation"),
    )


def patient_slots(cue: PatientCue) -> dict[str, object]:
    """The slot values that remember `cue` for follow-up questions."""
    return {"patient_age": float(cue.age) if cue.age is not None else None,
            "age_group": cue.age_group, "relation": cue.relation}


@dataclass(frozen=True)
class RouteOn:
    """What to route on: the words to read (the latest message, with the condition the NLU tagged), or
    the id of the condition an earlier turn routed on (the `condition` slot holds ids, never names the
    bot wrote)."""

    text: str
    condition_id: str | None = None


def route_on(tracker: Tracker, remembered: bool = True) -> RouteOn | None:
    """What to route on: the latest message when it names a condition or has words at all (its text
    holds the condition and age cues), else (with `remembered`) the condition of earlier turns; None when
    there is neither."""
    text = tracker.latest_message.get("text") or ""
    entity = latest_entity(tracker, "condition")
    if entity:
        return RouteOn(f"{entity}. {text}" if not text.startswith("/") else entity)
    if text and not text.startswith("/"):
        return RouteOn(text)
    condition_id = tracker.get_slot("condition") if remembered else None
    return RouteOn("", condition_id) if condition_id else None
