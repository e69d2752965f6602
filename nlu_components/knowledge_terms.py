"""Conditions, services, ages and relations as the knowledge store's term matcher reads them.

DIET learns entities from the training examples. It misses what it never saw (a rare condition name, an
unusual alias, a misspelling such as "neuroblastma"), tags words that only sit where entities usually
sit ("keeps *changing* colour", "diagnosed *3* weeks ago" as an age), and where a name has several words
its span wobbles from one training to the next ("biopsy" or "skin biopsy", "cord blood" or "cord blood
transplants"); its values are the words as written unless a synonym happens to cover them ("babies" or
"baby"). The knowledge store's spaCy term matcher knows every name, alias and common misspelling, the age
phrasings and the words for relatives, so it is the extractor of record for what the actions route and
answer on:

- conditions, services, ages and relations are the matcher's, with its span (the number of an age, the
  whole "cord blood transplants", "son" without "my") and the store's canonical value ("melanomma" ->
  "melanoma", "haplo transplants" -> "haploidentical transplant", "my wife" -> "spouse"); the same
  message always gives the same entities, and a slot never holds a name the store cannot resolve. Other
  extractors' entities of these types are dropped (DIET still learns them: the annotations help it tell
  the intents apart);
- places stay the other extractors' where they found them (a hospital the store does not know, such as
  "Asan Medical Center", is still a place the actions can say they know nothing about); the matcher's
  places are added where no kept entity overlaps them.
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
# NLU entities only the store's matcher gives (other extractors' are replaced by its)
MATCHER_ENTITIES = {"condition", "service", "age", "relation"}
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
    """Gives the matcher's conditions, services, ages and relations, and its places where no other
    extractor found one."""

    def __init__(self, matcher: TermMatcher) -> None:
        self.matcher = matcher

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeTermExtractor":
        return cls(get_matcher())

    def store_entities(self, text: str) -> list[dict[str, Any]]:
        """The matcher's non-overlapping finds in `text` as NLU entities (longer spans win)."""
        extractor = self.__class__.__name__
        return [e for e in (entity_from_match(m, self.matcher, extractor) for m in self.matcher.find(text)) if e]

    def merge(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`entities` from the other extractors, with the matcher's conditions, services, ages and
        relations in place of theirs, and the matcher's places where none of theirs overlaps."""
        found = self.store_entities(text)
        authoritative = [e for e in found if e["entity"] in MATCHER_ENTITIES]
        kept = [e for e in entities if e.get("entity") not in MATCHER_ENTITIES
                and not any(overlaps(e, s["start"], s["end"]) for s in authoritative)]
        merged = kept + authoritative
        for entity in found:
            if entity["entity"] not in MATCHER_ENTITIES and \
                    not any(overlaps(e, entity["start"], entity["end"]) for e in merged):
                merged.append(entity)
        return sorted(merged, key=lambda e: e.get("start", 0))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            message.set(ENTITIES, self.merge(text, message.get(ENTITIES, [])), add_to_output=True)
        return messages
