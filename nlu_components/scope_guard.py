"""A message that names a condition the hospitals treat is not out of scope.

The classifier learns "out of scope" from hundreds of everyday requests and other medical fields, and now
and then puts a short in-scope question there ("where should I go for gastric cancer?"): the bot would
then decline a patient it can route. When the intent is `out_of_scope` and the term extractor found a
condition of the knowledge store by its name (not the bare word "cancer", which names no unit, and not a
lay description), the message becomes `ask_route` with the classifier's confidence, so the routing action
answers from the store; a low confidence still goes to the fallback after this component.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.matcher import TermMatcher, get_matcher

OUT_OF_SCOPE, ROUTE = "out_of_scope", "ask_route"
# conditions whose name alone does not make a message a routing question ("what's the cancer risk of
# smoking?"): the bare word of the root category
TOO_GENERIC = {"cancer"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ScopeGuard(GraphComponent):
    """Turns `out_of_scope` into `ask_route` when the message names a condition of the store."""

    def __init__(self, matcher: TermMatcher) -> None:
        self.matcher = matcher

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ScopeGuard":
        return cls(get_matcher())

    def names_a_treated_condition(self, text: str) -> bool:
        """Whether `text` names a condition of the store ("a mole", "gastric cancer", "blood disorder")."""
        return any(m.kind == "condition" and not m.described and m.id not in TOO_GENERIC
                   for m in self.matcher.find(text))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            if text.startswith("/") or intent.get("name") != OUT_OF_SCOPE:
                continue
            if not any(e.get("entity") == "condition" for e in message.get(ENTITIES) or []) \
                    or not self.names_a_treated_condition(text):
                continue
            confidence = intent.get("confidence", 0.0)
            ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != ROUTE]
            message.set(INTENT, {"name": ROUTE, "confidence": confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": ROUTE, "confidence": confidence}, *ranking], add_to_output=True)
        return messages
