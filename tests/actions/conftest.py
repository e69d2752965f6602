"""Fixtures for the action tests: the real knowledge store, and trackers shaped like Rasa's."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_language import run_in_conversation_language
from knowledge.loader import build

ALL_SLOTS = ("condition", "service", "hospital", "patient_age", "age_group", "relation", "last_topic",
             "routed_unit_ids")


@pytest.fixture(scope="session")
def store_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('actions') / 'store.db'}"
    build(url)
    return url


@pytest.fixture(autouse=True)
def use_store(store_url, monkeypatch):
    """The actions read DATABASE_URL; point it at the store built from the project's content."""
    monkeypatch.setenv("DATABASE_URL", store_url)


def make_tracker(text: str, intent: str, entities: list[dict[str, Any]] | None = None,
                 confidence: float = 0.95, ranking: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent`, with `slots` set."""
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "entities": entities or [], "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
    all_slots = {name: None for name in ALL_SLOTS}
    all_slots.update(slots)
    return Tracker("test-sender", all_slots, latest, [], False, None, {}, "action_listen")


def entity(name: str, value: str, text: str | None = None, message: str = "") -> dict[str, Any]:
    start = message.find(text or value) if message else 0
    return {"entity": name, "value": value, "start": start, "end": start + len(text or value)}


class Reply:
    """What an action sent: texts, buttons and its meta summary."""

    def __init__(self, dispatcher: CollectingDispatcher):
        self.messages = dispatcher.messages
        self.text = "\n".join(m["text"] for m in self.messages if m.get("text"))
        self.buttons = [b for m in self.messages for b in (m.get("buttons") or [])]
        metas = [m["custom"]["meta"] for m in self.messages if (m.get("custom") or {}).get("meta")]
        self.meta = metas[-1] if metas else None


async def run_action(action, tracker: Tracker) -> tuple[Reply, dict[str, Any]]:
    """Run `action` as the action server does (in the conversation's language) and return what it said and
    the slots it set."""
    dispatcher = CollectingDispatcher()
    events = await run_in_conversation_language(action.run, dispatcher, tracker, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return Reply(dispatcher), slots
