"""Entities checked against the knowledge store's vocabulary, and added where the statistical extractor
missed them.

DIET learns entities from the training examples. It misses what it never saw (a rare condition name, an
unusual alias, a misspelling such as "neuroblastma"), and it tags words that only sit where entities
usually sit ("keeps *changing* colour", "the *side* of my nose", "diagnosed *3* weeks ago" as an age).
The knowledge store's spaCy term matcher knows every name, alias and common misspelling, and the age
phrasings, so it is the authority for what counts as a condition, a service or an age:

- another extractor's condition, service or age is kept as it is when the matcher finds one of the same
  kind overlapping it, and dropped when it does not: a condition or service the store does not know
  cannot be routed or answered anyway, and a number not said as an age is not the patient's age;
- places and relations are kept as they are: the actions resolve a place against the store themselves,
  and read who the patient is from the text with the matcher;
- the matcher's finds that no kept entity overlaps are added, with the store's canonical names.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.matcher import TermMatch, TermMatcher, get_matcher

# matcher kind -> the NLU entity it becomes
ENTITY_OF_KIND = {
    "condition": "condition",
    "service": "service",
    "hospital": "hospital",
    "unit": "hospital",
    "organization": "hospital",
    "age": "age",
    "relation": "relation",
}
# NLU entities that other extractors find only where the store's vocabulary confirms them
CONFIRMED_ENTITIES = {"condition", "service", "age"}
_POSSESSIVE = re.compile(r"^(?:my|our|his|her|their)\s+", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")


def annotated_span(match: TermMatch, matcher: TermMatcher) -> tuple[int, int]:
    """The part of a match the training data annotates: the number of an age ("my [5](age) year old",
    "she is [7](age)"), a relation without its possessive ("my [son](relation)"), else all of it."""
    if match.kind == "age":
        for word in _WORD.finditer(match.text):
            if matcher.number_value(word.group()) == match.age:
                return match.start + word.start(), match.start + word.end()
    if match.kind == "relation":
        possessive = _POSSESSIVE.match(match.text)
        if possessive and possessive.end() < len(match.text):
            return match.start + possessive.end(), match.end
    return match.start, match.end


def entity_from_match(match: TermMatch, matcher: TermMatcher, extractor: str) -> dict[str, Any] | None:
    entity = ENTITY_OF_KIND.get(match.kind)
    if entity is None:
        return None
    if entity == "age":
        if match.age is None:
            return None
        value: Any = str(match.age)
    elif entity == "relation":
        value = match.id
    else:
        value = match.name
    start, end = annotated_span(match, matcher)
    return {"entity": entity, "start": start, "end": end, "value": value, "confidence": 1.0, "extractor": extractor}


def overlaps(entity: dict[str, Any], start: int, end: int) -> bool:
    return entity.get("start", -1) < end and start < entity.get("end", -1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class KnowledgeTermExtractor(GraphComponent, EntityExtractorMixin):
    """Keeps the condition, service and age entities the term matcher confirms, and adds its finds."""

    def __init__(self, matcher: TermMatcher) -> None:
        self.matcher = matcher

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeTermExtractor":
        return cls(get_matcher())

    @staticmethod
    def confirmed(entity: dict[str, Any], store_entities: list[dict[str, Any]]) -> bool:
        """Whether `entity`, from another extractor, may stand: it is not one the store must confirm, or
        a store match of the same kind overlaps it."""
        if "start" not in entity or entity.get("entity") not in CONFIRMED_ENTITIES:
            return True
        return any(s["entity"] == entity["entity"] and overlaps(entity, s["start"], s["end"]) for s in store_entities)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            extractor = self.__class__.__name__
            store_entities = [e for e in (entity_from_match(m, self.matcher, extractor)
                                          for m in self.matcher.find_all(text)) if e]
            entities = [e for e in message.get(ENTITIES, []) if self.confirmed(e, store_entities)]
            for entity in store_entities:
                if not any(overlaps(e, entity["start"], entity["end"]) for e in entities):
                    entities.append(entity)
            message.set(ENTITIES, sorted(entities, key=lambda e: e.get("start", 0)), add_to_output=True)
        return messages
