"""The action server's warm-up (actions/warm_up.py): the real actions build what a first turn needs, and
a failing turn never keeps the server from starting."""
from __future__ import annotations

import asyncio

from rasa_sdk.executor import ActionExecutor

from actions.warm_up import WARM_UP_TURNS, WarmUpTurn, warm_up
from knowledge.matcher import get_matcher


def executor_with_actions() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor


def test_every_warm_up_turn_runs_a_registered_action_and_builds_the_matcher():
    get_matcher.cache_clear()
    took = asyncio.run(warm_up(executor_with_actions()))
    assert set(took) == {turn.action for turn in WARM_UP_TURNS}
    assert get_matcher.cache_info().currsize == 1


def test_a_failing_or_unknown_turn_is_skipped_and_the_rest_still_runs(monkeypatch):
    executor = executor_with_actions()

    async def broken(dispatcher, tracker, domain):
        raise RuntimeError("the store is down")

    monkeypatch.setitem(executor.actions, "action_broken", broken)
    turns = (WarmUpTurn("action_broken", "ask_route", "lung cancer"),
             WarmUpTurn("action_that_does_not_exist", "greet", "hello"),
             *WARM_UP_TURNS)
    took = asyncio.run(warm_up(executor, turns))
    assert "action_broken" not in took and "action_that_does_not_exist" not in took
    assert set(took) == {turn.action for turn in WARM_UP_TURNS}
