"""A deterministic safety net in front of the statistical intent classifier.

Two mistakes matter more than any other: missing an emergency, and answering a request for a
diagnosis, a prognosis or a treatment decision as if it were a question about a service. Phrases for
both (see safety_patterns.yml) force their intent with full confidence, emergencies first. The guard
only ever raises a message to one of these intents; it never lowers one the classifier already found.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

PATTERNS_FILE = Path(__file__).with_name("safety_patterns.yml")
# Checked in this order: an emergency wins over a diagnosis request.
GUARDED_INTENTS = ("emergency", "request_diagnosis")


@dataclass(frozen=True)
class SafetyPattern:
    intent: str
    id: str
    pattern: re.Pattern
    requires_any: re.Pattern | None

    def matches(self, text: str) -> bool:
        return bool(self.pattern.search(text)) and (self.requires_any is None or bool(self.requires_any.search(text)))


def load_patterns(path: Path = PATTERNS_FILE) -> list[SafetyPattern]:
    """Compile the patterns, emergencies first; a broken pattern fails loudly at start-up, not mid-chat."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    patterns = []
    for intent in GUARDED_INTENTS:
        for entry in document.get(intent) or []:
            try:
                requires = entry.get("requires_any")
                patterns.append(SafetyPattern(
                    intent=intent,
                    id=entry["id"],
                    pattern=re.compile(entry["pattern"], re.IGNORECASE),
                    requires_any=re.compile(requires, re.IGNORECASE) if requires else None,
                ))
            except (KeyError, re.error) as error:
                raise ValueError(f"{path}: {intent} pattern {entry.get('id', '?')!r} is invalid: {error}") from error
    return patterns


def guarded_intent(text: str, patterns: list[SafetyPattern]) -> tuple[str, str] | None:
    """The intent and pattern id that `text` must get, or None (apostrophes normalised: phones type ’)."""
    normalised = text.replace("’", "'").replace("‘", "'")
    for pattern in patterns:
        if pattern.matches(normalised):
            return pattern.intent, pattern.id
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyGuard(GraphComponent):
    """Sets the intent to `emergency` or `request_diagnosis` (confidence 1.0) when a pattern matches."""

    def __init__(self, patterns: list[SafetyPattern]) -> None:
        self.patterns = patterns

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyGuard":
        return cls(load_patterns())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = None if text.startswith("/") else guarded_intent(text, self.patterns)
            if found is None:
                continue  # button payloads and ordinary messages pass through untouched
            intent, _pattern_id = found
            current = (message.get(INTENT) or {}).get("name")
            if current == "emergency":
                continue  # never lower an emergency the classifier found
            ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != intent]
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}, *ranking], add_to_output=True)
        return messages
