"""Send messages made of words the bot has never seen to the fallback, instead of letting the
character n-grams of "blorp zzkx qwv" look like some intent.

At training time the component keeps the set of words in the training data (the knowledge store's
names and aliases arrive through the generated lookup tables and synonyms); at run time, a message
with two or more words none of which is known, and nothing the term matcher recognised, gets the
`nlu_fallback` intent, so the bot offers topics as buttons rather than guessing.

Words are read from the tokenizer's tokens where the message has them, so that a Korean or Chinese
message is cut as the classifier reads it ("백혈병이에요" is the known 백혈병 and an ending, not one unknown
word); text without tokens (lookup tables, synonyms) is split at non-letters.
"""
from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# A message that is only an email address says no intent (it answers a form's question): its parts
# ("someone", "else", "example") are known words, and the classifier's guess from them is noise (once
# "stop", which ended a status check), so it is treated like a message of unknown words.
EMAIL_ONLY = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+\.?")
VOCABULARY_FILE = "vocabulary.json"
FALLBACK_INTENT = "nlu_fallback"


def words_of(text: str) -> list[str]:
    """The letter words of `text`, case-folded."""
    return [word.casefold() for word in WORD.findall(text)]


def message_words(message: Message) -> list[str]:
    """The letter words of a message as its tokenizer cut it (its text split at non-letters without tokens)."""
    tokens = message.get(TOKENS_NAMES[TEXT])
    if not tokens:
        return words_of(message.get(TEXT) or "")
    return [word for token in tokens for word in words_of(token.text)]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsFallback(GraphComponent):
    """Marks messages whose words are all unknown to the training data as `nlu_fallback`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_words": 2}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: set[str] | None = None) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UnknownWordsFallback":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            vocabulary.update(message_words(example))
        for table in training_data.lookup_tables:
            for element in table.get("elements", []):
                vocabulary.update(words_of(str(element)))
        for alias, canonical in training_data.entity_synonyms.items():
            vocabulary.update(words_of(f"{alias} {canonical}"))
        self.vocabulary = vocabulary
        with self.model_storage.write_to(self.resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(vocabulary)), encoding="utf-8")
        return self.resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "UnknownWordsFallback":
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))
        except (ValueError, FileNotFoundError):
            vocabulary = set()
        return cls(config, model_storage, resource, vocabulary)

    def is_unknown(self, message: Message) -> bool:
        text = message.get(TEXT) or ""
        recognised_terms = [e for e in message.get(ENTITIES) or [] if e.get("extractor") == "KnowledgeTermExtractor"]
        if text.startswith("/") or recognised_terms:
            return False
        if EMAIL_ONLY.fullmatch(text.strip()):
            return True
        if not self.vocabulary:
            return False
        words = message_words(message)
        return len(words) >= self.config["min_words"] and not any(word in self.vocabulary for word in words)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") in ("emergency", "request_diagnosis"):
                continue
            if self.is_unknown(message):
                ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != FALLBACK_INTENT]
                message.set(INTENT, {"name": FALLBACK_INTENT, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": FALLBACK_INTENT, "confidence": 1.0}, *ranking],
                            add_to_output=True)
        return messages
