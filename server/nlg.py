"""The domain's `utter_*` responses, said in the words of the message catalog (messages/).

endpoints.yml:

    nlg:
      type: server.nlg.CatalogNaturalLanguageGenerator

Why: every sentence the bot says lives in one catalog keyed by message id, so that a language is a
catalog and not a code change. The domain keeps each response's name (stories and rules predict
`utter_greet`), its buttons' payloads and Rasa's choice among variations, but its `text` and each
button's `title` are message ids (`text: utter_greet`, `title: utter_greet.button.ask_route`). This
generator is Rasa's own templated one, in the Rasa server's process (no HTTP call to an NLG server per
utterance), with the ids replaced by the catalog's sentences.

The language is the conversation's (`conversation_locale`), English until a message names one.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from languages import first_named
from messages import SOURCE_LOCALE, say

LANGUAGE_SLOT = "language"


class CatalogNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator whose response texts and button titles are catalog message ids."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(self, utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                       **kwargs: Any) -> dict[str, Any] | None:
        """The response `utter_action` with its text and button titles in the conversation's language."""
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is None:
            return None
        return in_words(response, conversation_locale(tracker))


def conversation_locale(tracker: DialogueStateTracker) -> str:
    """The language the conversation is held in, by the action server's rule
    (actions/conversation_language.py): the latest user message that names one (the widget's choice,
    else the detected language), else the `language` slot, else English."""
    return first_named(_clues(tracker))


def _clues(tracker: DialogueStateTracker) -> Iterator[object]:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            yield (event.metadata or {}).get(LANGUAGE_SLOT)
            yield (event.parse_data or {}).get(LANGUAGE_SLOT)
        elif isinstance(event, SlotSet) and event.key == LANGUAGE_SLOT:
            yield event.value
    slot = tracker.slots.get(LANGUAGE_SLOT)
    yield slot.value if slot is not None else None


def in_words(response: dict[str, Any], locale: str = SOURCE_LOCALE) -> dict[str, Any]:
    """A copy of a domain response with its message ids (text, button titles) replaced by sentences."""
    said = dict(response)
    if said.get("text"):
        said["text"] = say(said["text"], locale)
    if said.get("buttons"):
        said["buttons"] = [{**button, "title": say(button["title"], locale)} for button in said["buttons"]]
    return said
