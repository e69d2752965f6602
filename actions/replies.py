"""How the actions speak: rendering knowledge-store facts with their sources, and the machine-readable
`meta` reply that follows each answer (read by the evaluation and by testers; the widget ignores it)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from messages import say


# The intents the fallback may offer as quick replies (titles: messages, topic_button.<intent>).
TOPIC_BUTTONS: tuple[str, ...] = (
    "ask_route",
    "ask_transplant",
    "ask_car_t",
    "ask_clinical_trials",
    "ask_targeted_therapy",
    "ask_chemo_radiation",
    "ask_skin_biopsy",
    "ask_mohs_surgery",
    "ask_melanoma",
    "ask_skin_side_effects",
    "ask_ovarian_surgery",
    "ask_certification",
    "ask_pediatric_support",
    "ask_palliative_care",
    "ask_team",
    "ask_follow_up",
    "ask_contact",
    "ask_about_hospital",
    "request_human",
    "request_referral",
    "ask_capabilities",
)


def source_line(files: Iterable[str], translation_note: str = "") -> str:
    """'Source: a.txt' or 'Sources: a.txt, b.txt' for the seed files behind an answer; with
    `translation_note` (the answer said facts in our translation: actions.fact_answers.translation_note),
    that note on the line above it."""
    unique = list(dict.fromkeys(files))
    if not unique:
        return ""
    if len(unique) == 1:
        line = say("answer.sources.one", files=unique[0])
    else:
        line = say("answer.sources.many", files=", ".join(unique))
    return f"{translation_note}\n{line}" if translation_note else line


def store_down() -> str:
    """The apology when the knowledge store cannot be read."""
    return say("store.down")


def topic_button(intent: str) -> str:
    """The quick-reply title of a topic the fallback may offer."""
    return say(f"topic_button.{intent}")


def bullet_list(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def send_meta(dispatcher: CollectingDispatcher, tracker_intent: dict[str, Any] | None, *,
              topic: str | None = None, unit_ids: Sequence[str] = (), sources: Sequence[str] = (),
              declined: bool = False, emergency: bool = False, needs_age_group: bool = False) -> None:
    """Send the machine-readable summary of the answer just given, as a custom reply."""
    intent = tracker_intent or {}
    dispatcher.utter_message(json_message={"meta": {
        "intent": intent.get("name"),
        "confidence": round(float(intent.get("confidence") or 0.0), 4),
        "topic": topic,
        "unit_ids": list(dict.fromkeys(unit_ids)),
        "sources": list(dict.fromkeys(sources)),
        "declined": declined,
        "emergency": emergency,
        "needs_age_group": needs_age_group,
    }})
