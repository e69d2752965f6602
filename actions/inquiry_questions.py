"""The questions of the inquiry forms, asked one at a time by `action_ask_<slot>` actions.

They live here rather than as `utter_ask_<slot>` responses because Rasa 3.6's data validator reports
form questions as unused responses; the text and buttons are the same either way."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from knowledge.matcher import get_matcher

# slot -> (question, quick replies as (title, payload)); the payloads are the answers themselves.
QUESTIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    'inquiry_consent': (
        "I can send a referral inquiry to the hospitals' international coordinators. First, your consent:\nI will ask about the patient (name, age, country, diagnosis, care so far) and how to contact you. Do you agree that these answers are stored and shared with the international coordinators so they can answer you? You can ask me to delete them later.",
        (
            ('I agree', 'I agree'),
            ('I do not agree', 'I do not agree'),
        ),
    ),
    'inquiry_writer': (
        'Are you the patient, or writing for someone else?',
        (
            ('I am the patient', 'I am the patient'),
            ('For a family member or friend', 'I am writing for a family member or friend'),
        ),
    ),
    'inquiry_relation': (
        'How are you related to the patient?',
        (
            ('Parent', 'Parent'),
            ('Son or daughter', 'Son or daughter'),
            ('Spouse or partner', 'Spouse or partner'),
            ('Brother or sister', 'Brother or sister'),
            ('Other relative', 'Other relative'),
            ('Friend', 'Friend'),
        ),
    ),
    'inquiry_patient_name': (
        "What is the patient's full name?",
        (
        ),
    ),
    'inquiry_age': (
        'How old is the patient? You can also give the date of birth (for example 1979-03-02).',
        (
        ),
    ),
    'inquiry_country': (
        'Which country does the patient live in?',
        (
        ),
    ),
    'inquiry_language': (
        'Which language would you prefer the coordinators to use?',
        (
            ('English', 'English'),
            ('Korean', 'Korean'),
            ('Russian', 'Russian'),
            ('Mongolian', 'Mongolian'),
        ),
    ),
    'inquiry_diagnosis': (
        'What is the diagnosis, in your own words? For example "acute myeloid leukemia" or "a melanoma on the back".',
        (
        ),
    ),
    'inquiry_stage': (
        'Where is the patient in their care?',
        (
            ('Cancer is suspected, not confirmed yet', 'suspected'),
            ('Diagnosed by biopsy or pathology, not treated yet', 'biopsy_or_pathology_done'),
            ('Already treated or being treated', 'treated'),
            ('It came back after treatment', 'relapsed'),
        ),
    ),
    'inquiry_wants': (
        'What would you like from a hospital in Korea? You can name more than one (for example "second opinion and clinical trial").',
        (
            ('A second opinion', 'second opinion'),
            ('Treatment in Korea', 'treatment'),
            ('A transplant', 'transplant'),
            ('CAR-T cell therapy', 'CAR-T'),
            ('A clinical trial', 'clinical trial'),
            ('Follow-up care', 'follow-up care'),
        ),
    ),
    'inquiry_documents': (
        'Which of these can you share with the coordinators: medical records, pathology (biopsy) reports, imaging (CT, MRI, PET)? Say "all", name the ones you have, or "none yet".',
        (
            ('All of them', 'all'),
            ('None yet', 'none yet'),
        ),
    ),
    'inquiry_travel': (
        'Do you have travel plans already (when, with whom, visa)? Say "no plans yet" if not.',
        (
            ('No plans yet', 'no plans yet'),
        ),
    ),
    'inquiry_contact': (
        'How can the coordinators reach you? Please give an email address and/or a phone number with the country code (for example +7 912 345 6789).',
        (
        ),
    ),
    'access_reference': (
        "What is the inquiry's reference number? It starts with KR-.",
        (
        ),
    ),
    'access_contact': (
        'To protect your privacy, please also give the email address or phone number you used in the inquiry.',
        (
        ),
    ),
}


def said_before(slot: str, tracker: Tracker) -> str | None:
    """What the conversation already said that answers the question of `slot` (the patient's age, the
    condition the bot routed on), offered as a quick reply: the writer confirms it with one tap or types
    another answer, and nothing is filled in without them."""
    if slot == "inquiry_age":
        age = tracker.get_slot("patient_age")
        return str(int(age)) if isinstance(age, (int, float)) and 0 <= age < 130 else None
    if slot == "inquiry_diagnosis":
        condition = tracker.get_slot("condition")
        if not condition:
            return None
        # the condition slot can also hold the service a route was found by ("CAR-T cell therapy"), and a
        # category word ("cancer") says too little to be offered as a diagnosis
        matcher = get_matcher()
        found = [m for m in matcher.find(condition) if m.kind == "condition" and m.text == condition]
        return condition if found and not matcher.is_category(found[0].id) else None
    return None


class AskQuestion(Action):
    """Asks the question of one form slot."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text, buttons = QUESTIONS[self.slot]
        earlier = said_before(self.slot, tracker)
        if earlier:
            text += f" Earlier you mentioned: {earlier}."
            buttons = ((earlier, earlier), *buttons)
        dispatcher.utter_message(text=text, buttons=[{"title": title, "payload": payload} for title, payload in buttons])
        return []


# One action class per question, registered with the action server like any other action.
ASK_ACTIONS = [type(f"Ask_{slot}", (AskQuestion,), {"slot": slot}) for slot in QUESTIONS]
