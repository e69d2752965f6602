"""A question of a kind the hospitals' pages never answer becomes `ask_not_in_pages`.

"How much does a transplant cost?" is about transplants to the classifier, which would then recite the
transplant facts (the count, the donor types) as if they answered it. When the message asks for a kind
of fact that no page gives (knowledge/not_in_pages.py: prices, waiting times, success rates, insurance,
doctors' names, addresses, visas, accommodation costs) and the classifier read it as a question, the
intent becomes `ask_not_in_pages`, so the bot says plainly that the pages give no information on it
and offers a coordinator (the action reads the kind from the text again: a regular expression, cheaper
than carrying it through the tracker). Requests that are not questions
(a referral inquiry, a status check, a stop, an emergency) keep their intent; the safety guard runs after
this component, so a red flag or a personal prognosis still wins.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.not_in_pages import about_care, kind_not_in_pages

NOT_IN_PAGES = "ask_not_in_pages"
# Intents that ask something: a question of an unanswered kind read as one of these is redirected.
QUESTION_INTENTS = frozenset({
    "ask_route", "ask_transplant", "ask_car_t", "ask_clinical_trials", "ask_targeted_therapy",
    "ask_chemo_radiation", "ask_skin_biopsy", "ask_mohs_surgery", "ask_melanoma", "ask_skin_side_effects",
    "ask_ovarian_surgery", "ask_certification", "ask_pediatric_support", "ask_palliative_care", "ask_team",
    "ask_follow_up", "ask_contact", "ask_about_hospital", "ask_figures", "ask_availability", "inform_patient",
    "request_diagnosis", "ask_capabilities", NOT_IN_PAGES,
    # "if I email the slides, how many days until the second opinion?": asked while offering records; the
    # answer's coordinator button still starts the inquiry. Only when it is asked (ASKED), so "I want to
    # send an inquiry about the cost of treatment" stays a referral request.
    "request_referral",
})
# Intents redirected only when the message is worded as a question.
ONLY_WHEN_ASKED = frozenset({"request_referral"})
ASKED = re.compile(r"\?|^\s*(?:how|what|when|which|is|are|does|do|can|will|would)\b"
                   r"|[,;:]\s*(?:how|what|when|which)\b", re.IGNORECASE)
# Redirected only when the message is about care at all: the fallback, and what the classifier declines as
# out of domain ("what are the opening hours of the international clinic?" is, "how much is my cable bill?"
# and "do I need a visa for Russia?" stay declined). Never redirected: a request for a person (the
# coordinator offer answers it).
UNSURE_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
# The confidence given to a redirected message: above the fallback threshold, below the safety guard's.
REDIRECTED_CONFIDENCE = 0.9


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NotInPagesGuard(GraphComponent):
    """Redirects questions of a kind the pages never answer to `ask_not_in_pages`."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NotInPagesGuard":
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            redirect_if_not_in_pages(message)
        return messages


def redirect_if_not_in_pages(message: Message) -> None:
    """Set `ask_not_in_pages` on a question (or an unsure guess about care) of a kind the pages never
    answer; also called by the safety guard for a classifier emergency it lowered to a question."""
    text = message.get(TEXT) or ""
    intent = (message.get(INTENT) or {}).get("name")
    if text.startswith("/") or intent not in QUESTION_INTENTS | UNSURE_INTENTS:
        return
    if kind_not_in_pages(text) is None or (intent in UNSURE_INTENTS and not about_care(text)):
        return
    if intent in ONLY_WHEN_ASKED and not ASKED.search(text):
        return
    ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != NOT_IN_PAGES]
    redirected = {"name": NOT_IN_PAGES, "confidence": REDIRECTED_CONFIDENCE}
    message.set(INTENT, redirected, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [redirected, *ranking], add_to_output=True)
