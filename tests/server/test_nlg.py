"""The domain's responses are said in the catalog's words, by the generator endpoints.yml names, inside
the Rasa server's process."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from messages import say
from server.nlg import CatalogNaturalLanguageGenerator

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT / "domain.yml"))


def generate(nlg: NaturalLanguageGenerator, domain: Domain, response: str) -> dict | None:
    tracker = DialogueStateTracker.from_events("someone", [], slots=domain.slots)
    return asyncio.run(nlg.generate(response, tracker, "rest"))


def test_endpoints_yml_gives_rasa_the_catalogs_generator(domain, monkeypatch):
    for name, value in {"ACTION_HOST": "127.0.0.1", "ACTION_PORT": "5055", "ACTION_SERVER_TOKEN": "t",
                        "DATABASE_URL": "sqlite://"}.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT / "endpoints.yml"))
    assert isinstance(NaturalLanguageGenerator.create(endpoints.nlg, domain), CatalogNaturalLanguageGenerator)


def test_every_response_is_said_in_the_catalogs_words_with_its_payloads(domain):
    nlg = CatalogNaturalLanguageGenerator(domain=domain)
    for name, variations in domain.responses.items():
        said = generate(nlg, domain, name)
        assert said["text"] == say(name)
        assert [button["payload"] for button in said.get("buttons") or []] == \
            [button["payload"] for button in variations[0].get("buttons") or []]
        assert [button["title"] for button in said.get("buttons") or []] == \
            [say(button["title"]) for button in variations[0].get("buttons") or []]


def test_the_words_are_the_ones_the_domain_had():
    assert say("utter_anything_else") == "Is there anything else I can help you with?"
    assert say("utter_greet").startswith("Hello, and welcome. I'm an automated assistant")
    assert say("utter_greet").endswith("local emergency number.\nHow can I help?")
    assert say("utter_greet.button.ask_pediatric_support") == "Childhood cancers"


def test_an_unknown_response_is_none_as_in_rasa(domain):
    assert generate(CatalogNaturalLanguageGenerator(domain=domain), domain, "utter_no_such_thing") is None


def said_after(nlg: NaturalLanguageGenerator, domain: Domain, events: list) -> str:
    tracker = DialogueStateTracker.from_events("someone", events, slots=domain.slots)
    return asyncio.run(nlg.generate("utter_anything_else", tracker, "rest"))["text"]


def user(text: str, language: str | None, metadata: dict | None = None) -> UserUttered:
    return UserUttered(text, {"name": "greet", "confidence": 1.0}, [],
                       {"text": text, "intent": {"name": "greet", "confidence": 1.0}, "entities": [],
                        "language": language}, metadata=metadata)


def test_a_response_is_said_in_the_language_of_the_conversation(domain):
    nlg = CatalogNaturalLanguageGenerator(domain=domain)
    assert said_after(nlg, domain, [user("Здравствуйте", "ru")]) == say("utter_anything_else", "ru")
    assert say("utter_anything_else", "ru") != say("utter_anything_else")
    # an undecided message ("CAR-T?") keeps the language before it
    assert said_after(nlg, domain, [user("안녕하세요", "ko"), user("CAR-T?", None)]) == \
        say("utter_anything_else", "ko")
    # the widget's choice wins over what was detected
    assert said_after(nlg, domain, [user("hello", "en", {"language": "ar"})]) == say("utter_anything_else", "ar")
    # the slot, when the messages that named it were compacted away
    assert said_after(nlg, domain, [SlotSet("language", "mn"), user("38.9", None)]) == \
        say("utter_anything_else", "mn")
    assert said_after(nlg, domain, []) == say("utter_anything_else")
