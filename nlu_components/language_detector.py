"""Names the language of every message in its parse result (`language`), for the action layer.

One of languages.LANGUAGES, or None when the message is too short or mixed to tell (a reference, "CAR-T?",
a name): the actions keep the conversation's language from the patient's earlier messages then
(actions/conversation_language.py). The detector is built once, when the model loads; it is not a
classifier and changes no intent: the safety guard checks every language's red flags on every message.

DIET's entities are kept only in the languages it was trained on (`diet_languages`, English by default):
in a language it never saw its guesses are made from nothing (a hospital read into an Arabic sentence
about self-harm). The knowledge store's term matcher's entities ("CAR-T" in a Korean message) are always
kept.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, EXTRACTOR, TEXT
from rasa.shared.nlu.training_data.message import Message

from languages.detection import detect_language, detector

LANGUAGE_KEY = "language"
# the extractor whose entities are kept only in the languages of its training data
TRAINED_EXTRACTOR = "DIETClassifier"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds `language` (a code, or None when undecided) to every parsed message, and drops DIET's entities
    from messages decided in a language DIET was not trained on."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"diet_languages": ["en"]}

    def __init__(self, diet_languages: frozenset[str]) -> None:
        self.diet_languages = diet_languages

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        detector()  # load the models with the model, not on the first patient's message
        return cls(frozenset(config.get("diet_languages") or ["en"]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            language = None if text.startswith("/") else detect_language(text)  # button payloads tell nothing
            message.set(LANGUAGE_KEY, language, add_to_output=True)
            if language is not None and language not in self.diet_languages and message.get(ENTITIES):
                kept = [e for e in message.get(ENTITIES) if e.get(EXTRACTOR) != TRAINED_EXTRACTOR]
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
