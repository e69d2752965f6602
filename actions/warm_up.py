"""Warm the action server before it says it is ready.

A new action server process builds, on the first turn that needs them, the term matcher (spaCy
phrase matchers over every name of the store and the disease terminology), the store's kept rows and
the answer ranking's word index. On a loaded machine that first turn took longer than the Redis lock
Rasa holds for the conversation (stack/cluster.py), so the turn could be lost. Playing a few
representative turns through the real actions before the server listens moves that cost to start-up:
`/health` answers only once they are built, and every stack (`make run`, the cluster, the deployment
files' probes) already waits for `/health`.

A warm-up turn that fails (no knowledge store yet, a database down) is logged and skipped: the server
still starts, and the first patient pays the cost as before.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.conversation_language import run_in_conversation_language

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarmUpTurn:
    """One message as the NLU would hand it to an action: the action, its intent and the words."""

    action: str
    intent: str
    text: str


# A routing question (matcher, kept rows, routing) and a fact question (question reading, the ranking's
# word index); their answers are thrown away.
WARM_UP_TURNS = (
    WarmUpTurn("action_route_patient", "ask_route",
               "My father is 45 and has acute myeloid leukemia, which hospital should he go to?"),
    WarmUpTurn("action_answer_topic", "ask_transplant",
               "How many stem cell transplants has the hematology division done?"),
)


def _tracker(turn: WarmUpTurn) -> Tracker:
    latest = {"text": turn.text, "intent": {"name": turn.intent, "confidence": 1.0},
              "intent_ranking": [{"name": turn.intent, "confidence": 1.0}], "entities": []}
    return Tracker("warm-up", {}, latest, [], False, None, {}, "action_listen")


async def warm_up(executor: ActionExecutor, turns: tuple[WarmUpTurn, ...] = WARM_UP_TURNS) -> dict[str, float]:
    """Run `turns` through `executor`'s actions; returns the seconds each took (failed turns left out)."""
    took: dict[str, float] = {}
    for turn in turns:
        action = executor.actions.get(turn.action)
        if action is None:
            logger.info("warm-up: no action %s registered", turn.action)
            continue
        started = time.perf_counter()
        try:
            await run_in_conversation_language(action, CollectingDispatcher(), _tracker(turn), {})
        except Exception as error:  # noqa: BLE001 - a failed warm-up must never keep the server from starting
            logger.warning("warm-up turn %s failed with %s; the first patient's turn will build what it needs",
                           turn.action, type(error).__name__)
            continue
        took[turn.action] = time.perf_counter() - started
    if took:
        logger.info("warm-up took %s", ", ".join(f"{name} {seconds:.2f} s" for name, seconds in took.items()))
    return took
