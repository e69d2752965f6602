"""How the actions speak: rendering knowledge-store facts with their sources, and the machine-readable
`meta` reply that follows each answer (read by the evaluation and by testers; the widget ignores it)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

STORE_DOWN = "I'm sorry, I can't look that up right now. Please try again in a moment."

# Patient-friendly titles of the intents the fallback may offer as quick replies.
TOPIC_BUTTONS: dict[str, str] = {
    "ask_route": "Which department should I contact?",
    "ask_transplant": "Stem-cell transplants",
    "ask_car_t": "CAR-T cell therapy",
    "ask_clinical_trials": "Clinical trials",
    "ask_targeted_therapy": "Targeted and immuno-oncology treatment",
    "ask_chemo_radiation": "Chemotherapy and radiation",
    "ask_skin_biopsy": "Skin biopsy",
    "ask_mohs_surgery": "Mohs surgery",
    "ask_melanoma": "Melanoma care",
    "ask_skin_side_effects": "Skin problems from cancer treatment",
    "ask_ovarian_surgery": "Ovarian cancer surgery",
    "ask_certification": "Certifications",
    "ask_pediatric_support": "Support for children and families",
    "ask_palliative_care": "Palliative care",
    "ask_team": "Multidisciplinary teams",
    "ask_follow_up": "Follow-up care after treatment",
    "ask_contact": "Contacting the hospitals",
    "ask_about_hospital": "About the hospitals",
    "request_human": "Talk to a coordinator",
    "request_referral": "Send a referral inquiry",
    "ask_capabilities": "What can you help with?",
}


def source_line(files: Iterable[str]) -> str:
    """'Source: a.txt' or 'Sources: a.txt, b.txt' for the seed files behind an answer."""
    unique = list(dict.fromkeys(files))
    if not unique:
        return ""
    return ("Source: " if len(unique) == 1 else "Sources: ") + ", ".join(unique)


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
