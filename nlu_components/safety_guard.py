"""A deterministic safety net in front of the statistical intent classifier.

Two mistakes matter more than any other: missing an emergency, and answering a request for a
diagnosis, a prognosis or a treatment decision as if it were a question about a service. Phrases for
both (see safety_patterns.yml) force their intent with full confidence, emergencies first.

Emergencies are judged both ways. A red-flag phrase escalates unless the message only tells of a
resolved or long-past symptom or asks about a unit, a definition, a risk or a plan ("which unit treats
shortness of breath?") with nothing acute in it (a temperature reading, "now", "help", "she is
bleeding"); suicide and self-harm always escalate. A pattern's own `unless_any` calms that pattern alone in
the same way: "my mother is dying, we would like palliative care" asks for care, "he is dying, what do we do?"
is an emergency. The classifier's own `emergency` guess is kept when
the message holds any red-flag word and lowered when it holds none (an alarm set for noon) or only a
non-acute mention: the emergency answer to what is not one erodes trust in the real ones.

Red flags are recognised in every language patients write in: safety_patterns.yml holds the English
phrases (and the diagnosis requests), safety_patterns/<language>.yml the phrases of each other language,
each with its own `emergency_context`. Every language's patterns are checked on every message, whatever
language it was detected in: a mistaken or undecided detection must never cost an emergency, and a
mixed message ("엄마 chemo 후 열 39도") is caught by either language's phrases.
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

from nlu_components.not_in_pages_guard import redirect_if_not_in_pages
from nlu_components.safety_text import normalise

PATTERNS_FILE = Path(__file__).with_name("safety_patterns.yml")
LANGUAGE_PATTERNS_DIR = Path(__file__).with_name("safety_patterns")
# Checked in this order: an emergency wins over a diagnosis request.
GUARDED_INTENTS = ("emergency", "request_diagnosis")
FALLBACK_INTENT = "nlu_fallback"
# A lowered classifier `emergency` takes the classifier's next intent only when that one holds at least
# this share of what the classifier did not give to `emergency`; otherwise the fallback offers topics.
NEXT_INTENT_MIN_SHARE = 0.5


@dataclass(frozen=True)
class SafetyPattern:
    intent: str
    id: str
    pattern: re.Pattern
    requires_any: re.Pattern | None
    always: bool = False  # escalates whatever the context (suicide, self-harm)
    language: str = "en"
    # the request this pattern's words also come with when nothing is wrong ("dying" beside "hospice",
    # "palliative care"): the pattern does not count when it matches and nothing acute is said
    unless_any: re.Pattern | None = None

    def matches(self, text: str) -> bool:
        return bool(self.pattern.search(text)) and (self.requires_any is None or bool(self.requires_any.search(text)))

    def calmed_by_request(self, text: str, context: "EmergencyContext") -> bool:
        return self.unless_any is not None and bool(self.unless_any.search(text)) and not context.is_acute(text)


@dataclass(frozen=True)
class EmergencyContext:
    """What makes a red-flag word an acute situation or not (safety_patterns.yml's `emergency_context`)."""
    resolved: re.Pattern
    question: re.Pattern
    acute: re.Pattern
    vocabulary: re.Pattern

    def is_acute(self, text: str) -> bool:
        # "gone now" and "now ok" say the opposite of "now": take resolved phrases out first
        return bool(self.acute.search(self.resolved.sub(" ", text)))

    def not_acute(self, text: str) -> bool:
        """A resolved symptom or a question about units, definitions, risks or plans, and nothing acute."""
        return bool(self.resolved.search(text) or self.question.search(text)) and not self.is_acute(text)


def _document(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def pattern_files() -> list[Path]:
    """The English file first, then one file per other language."""
    return [PATTERNS_FILE, *sorted(LANGUAGE_PATTERNS_DIR.glob("*.yml"))]


def _language_of(path: Path) -> str:
    return "en" if path == PATTERNS_FILE else path.stem


def _compile(path: Path, intent: str, entry: dict, requires: str | None, unless: str | None = None) -> SafetyPattern:
    try:
        return SafetyPattern(
            intent=intent,
            id=entry["id"],
            pattern=re.compile(entry["pattern"], re.IGNORECASE),
            requires_any=re.compile(requires, re.IGNORECASE) if requires else None,
            always=bool(entry.get("always")),
            language=_language_of(path),
            unless_any=re.compile(unless, re.IGNORECASE) if unless else None,
        )
    except (KeyError, re.error) as error:
        raise ValueError(f"{path}: {intent} pattern {entry.get('id', '?')!r} is invalid: {error}") from error


def load_patterns(path: Path | None = None) -> list[SafetyPattern]:
    """Compile the patterns of `path` (default: every language's file), emergencies of every language
    first; a broken pattern fails loudly at start-up, not mid-chat.

    A pattern's `requires_any` (and `unless_any`) is joined with those of the same id in the other files: a
    Korean fever during an English "chemo" ("엄마 chemo 후에 열 39도") is a fever during treatment."""
    documents = [(file, _document(file)) for file in ([path] if path else pattern_files())]
    joined: dict[str, dict[tuple[str, str], str]] = {}
    for key in ("requires_any", "unless_any"):
        parts: dict[tuple[str, str], list[str]] = {}
        for _, document in documents:
            for intent in GUARDED_INTENTS:
                for entry in document.get(intent) or []:
                    if entry.get(key) and "id" in entry:
                        parts.setdefault((intent, entry["id"]), []).append(entry[key])
        joined[key] = {name: "|".join(f"(?:{part})" for part in found) for name, found in parts.items()}

    def condition(key: str, intent: str, entry: dict) -> str | None:
        return joined[key].get((intent, entry.get("id"))) if entry.get(key) else None

    return [_compile(file, intent, entry, condition("requires_any", intent, entry), condition("unless_any", intent, entry))
            for intent in GUARDED_INTENTS for file, document in documents for entry in document.get(intent) or []]


def _context_sections(path: Path) -> dict[str, str]:
    section = _document(path).get("emergency_context") or {}
    for key in ("resolved", "question", "acute", "vocabulary"):
        try:
            re.compile(section[key], re.IGNORECASE)
        except (KeyError, TypeError, re.error) as error:
            raise ValueError(f"{path}: emergency_context {key!r} is missing or invalid: {error}") from error
    return section


def load_context(path: Path | None = None) -> EmergencyContext:
    """Compile `emergency_context` of `path` (default: every language's, joined, so that a message mixing
    two languages is judged by both); a missing or broken entry fails loudly at start-up."""
    sections = [_context_sections(file) for file in ([path] if path else pattern_files())]
    return EmergencyContext(**{
        key: re.compile("|".join(f"(?:{section[key]})" for section in sections), re.IGNORECASE)
        for key in ("resolved", "question", "acute", "vocabulary")})


_DEFAULT_CONTEXT: EmergencyContext | None = None
_DEFAULT_PATTERNS: list[SafetyPattern] | None = None


def default_context() -> EmergencyContext:
    global _DEFAULT_CONTEXT
    if _DEFAULT_CONTEXT is None:
        _DEFAULT_CONTEXT = load_context()
    return _DEFAULT_CONTEXT


def default_patterns() -> list[SafetyPattern]:
    global _DEFAULT_PATTERNS
    if _DEFAULT_PATTERNS is None:
        _DEFAULT_PATTERNS = load_patterns()
    return _DEFAULT_PATTERNS


def guarded_intent(text: str, patterns: list[SafetyPattern],
                   context: EmergencyContext | None = None) -> tuple[str, str] | None:
    """The intent and pattern id that `text` must get, or None.

    A red flag escalates unless the context says it is not acute (then the diagnosis patterns are still
    checked: "what are her chances? she had a seizure years ago" is a prognosis request), or unless the
    pattern's own `unless_any` request is made with nothing acute ("dying ... palliative care")."""
    context = context or default_context()
    text = normalise(text)
    calm = None  # computed once, only when a contextual red flag matched
    for pattern in patterns:
        if not pattern.matches(text) or pattern.calmed_by_request(text, context):
            continue
        if pattern.intent == "emergency" and not pattern.always:
            calm = context.not_acute(text) if calm is None else calm
            if calm:
                continue
        return pattern.intent, pattern.id
    return None


def keeps_classifier_emergency(text: str, context: EmergencyContext | None = None,
                               patterns: list[SafetyPattern] | None = None) -> bool:
    """Whether a classifier `emergency` (no pattern matched) stands: the message holds a red-flag word
    and is not merely a resolved symptom, a question without anything acute, or the request a red flag's
    `unless_any` names ("dying, we would like palliative care") with no other red-flag word beside it."""
    context = context or default_context()
    text = normalise(text)
    if not context.vocabulary.search(text) or context.not_acute(text):
        return False
    for pattern in (default_patterns() if patterns is None else patterns):
        if pattern.intent == "emergency" and pattern.matches(text) and pattern.calmed_by_request(text, context):
            # neither the calmed phrase nor the request is a red-flag word ("호스피스" holds 피); any other one is
            text = pattern.unless_any.sub(" ", pattern.pattern.sub(" ", text))
    return bool(context.vocabulary.search(text))


def lowered_intent(ranking: list[dict[str, Any]]) -> dict[str, Any]:
    """What a lowered `emergency` becomes: the classifier's next intent when it clearly leads what is
    left, else the fallback (which offers topics, and routes when a known condition is named)."""
    rest = [entry for entry in ranking if entry.get("name") not in ("emergency", FALLBACK_INTENT)]
    left = sum(entry.get("confidence") or 0.0 for entry in rest)
    if rest and left > 0 and (rest[0].get("confidence") or 0.0) / left >= NEXT_INTENT_MIN_SHARE:
        return {"name": rest[0]["name"], "confidence": rest[0].get("confidence")}
    emergency = next((entry for entry in ranking if entry.get("name") == "emergency"), {})
    return {"name": FALLBACK_INTENT, "confidence": emergency.get("confidence") or 0.0}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyGuard(GraphComponent):
    """Sets the intent to `emergency` or `request_diagnosis` (confidence 1.0) when a pattern matches,
    and lowers a classifier `emergency` that no red flag supports."""

    def __init__(self, patterns: list[SafetyPattern], context: EmergencyContext | None = None) -> None:
        self.patterns = patterns
        self.context = context or default_context()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyGuard":
        return cls(load_patterns(), load_context())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # button payloads pass through untouched
            current = (message.get(INTENT) or {}).get("name")
            found = guarded_intent(text, self.patterns, self.context)
            if found is None or (found[0] != "emergency" and current == "emergency"):
                # no red-flag pattern: a classifier emergency stands only on a red-flag word in an
                # acute message; a diagnosis pattern alone never lowers one the classifier found
                if current == "emergency" and not keeps_classifier_emergency(text, self.context, self.patterns):
                    ranking = message.get(INTENT_RANKING_KEY) or []
                    lowered = lowered_intent(ranking)
                    message.set(INTENT, lowered, add_to_output=True)
                    message.set(INTENT_RANKING_KEY, [lowered, *[e for e in ranking if e.get("name") != lowered["name"]]],
                                add_to_output=True)
                    # the question it was (a price, insurance) is still one the pages may not answer
                    redirect_if_not_in_pages(message)
                    current = (message.get(INTENT) or {}).get("name")
                if found is None or current == "emergency":
                    continue
            intent, _pattern_id = found
            ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != intent]
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}, *ranking], add_to_output=True)
        return messages
