"""Entities from the knowledge store's term matcher, for what the statistical extractor misses.

DIET learns entities from the training examples; a rare condition name, an unusual alias or a
misspelling ("neuroblastma", "leukaemia") may slip past it. The knowledge store's spaCy term matcher
knows every name, alias and common misspelling, so this component adds its finds as entities where
no other extractor already found one in the same place. Values are the store's canonical names.
"""
from __future__ import annotations

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


def entity_from_match(match: TermMatch, extractor: str) -> dict[str, Any] | None:
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
    return {"entity": entity, "start": match.start, "end": match.end, "value": value,
            "confidence": 1.0, "extractor": extractor}


def overlaps(entity: dict[str, Any], start: int, end: int) -> bool:
    return entity.get("start", -1) < end and start < entity.get("end", -1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class KnowledgeTermExtractor(GraphComponent, EntityExtractorMixin):
    """Adds condition, service, hospital, age and relation entities found by the term matcher."""

    def __init__(self, matcher: TermMatcher) -> None:
        self.matcher = matcher

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeTermExtractor":
        return cls(get_matcher())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            entities = list(message.get(ENTITIES, []))
            for match in self.matcher.find_all(text):
                entity = entity_from_match(match, self.__class__.__name__)
                if entity and not any(overlaps(e, entity["start"], entity["end"]) for e in entities):
                    entities.append(entity)
            message.set(ENTITIES, sorted(entities, key=lambda e: e.get("start", 0)), add_to_output=True)
        return messages
