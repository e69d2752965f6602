"""Does a turn get slower as the conversation grows? One long conversation, timed turn by turn.

    python -m evaluation.turn_cost [--url http://127.0.0.1:5005] [--turns 120] [--model PATH]

Without `--url` it starts a bot of its own (`evaluation.processes.start_stack`: free ports, its own SQLite
database) from the newest model. It plays one conversation of `--turns` messages (a patient asking
question after question, never entering the referral form, so every turn does the same kind of work)
and prints the median turn over the first and the last `--window` turns and their ratio: the figure
issue #14 asks to keep within 1.3x for turns 101-120 against 1-20. `make bench` runs the same.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from evaluation.processes import start_stack
from evaluation.reports import DEFAULT_REPORTS, reset_dir
from evaluation.rest_client import post_message_sync
from evaluation.training import our_model

# Questions a patient may ask again and again in one visit: routing, topics, follow-ups that lean on
# the slots ("what about for my son?"), thanks. None of them starts the referral form.
QUESTIONS = (
    "my father has leukemia, where should he be treated?",
    "he is 64",
    "do they do stem cell transplants?",
    "how many transplants did they do last year?",
    "is there support for families of patients?",
    "what about for my son?",
    "do they use immunotherapy?",
    "is that available at Samsung?",
    "which hospital treats lung cancer?",
    "thank you",
)


def conversation(turns: int) -> list[str]:
    """`turns` messages: a greeting, then the questions over and over."""
    return ["hello"] + [QUESTIONS[i % len(QUESTIONS)] for i in range(turns - 1)]


def play(url: str, turns: int = 120, timeout: float = 30.0, sender: str | None = None) -> list[float]:
    """Send one conversation's messages one after the other; return each turn's milliseconds.

    `url` is the REST webhook. A failed turn raises: a growth figure over a broken conversation means
    nothing."""
    sender = sender or f"turn-cost-{uuid.uuid4().hex[:10]}"
    latencies = []
    for message in conversation(turns):
        started = time.perf_counter()
        post_message_sync(url, sender, message, timeout=timeout)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def growth(latencies_ms: list[float], window: int = 20) -> dict[str, Any]:
    """Median turn over the first and the last `window` turns, and last / first."""
    if len(latencies_ms) < 2 * window:
        raise ValueError(f"need at least {2 * window} turns for two windows of {window}")
    first = statistics.median(latencies_ms[:window])
    last = statistics.median(latencies_ms[-window:])
    turns = len(latencies_ms)
    return {"turns": turns, "window": window,
            "first_turns": f"1-{window}", "last_turns": f"{turns - window + 1}-{turns}",
            "first_median_ms": round(first, 1), "last_median_ms": round(last, 1),
            "ratio": round(last / first, 2) if first else None,
            "latencies_ms": [round(value, 1) for value in latencies_ms]}


def describe(figures: dict[str, Any]) -> str:
    """One line for people: 'turns 1-20: 75 ms, turns 101-120: 80 ms (1.07x)'."""
    return (f"median turn over turns {figures['first_turns']}: {figures['first_median_ms']:.0f} ms, "
            f"over turns {figures['last_turns']}: {figures['last_median_ms']:.0f} ms "
            f"({figures['ratio']:.2f}x)")


def measure(url: str, turns: int = 120, window: int = 20, timeout: float = 30.0) -> dict[str, Any]:
    """Play the long conversation against `url` (the REST webhook) and return its growth figures."""
    return growth(play(url, turns, timeout), window)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.turn_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running Rasa server (default: start one from the newest model)")
    parser.add_argument("--model", help="model for the bot started here (default: newest in models/)")
    parser.add_argument("--turns", type=int, default=120)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    if args.url:
        figures = measure(f"{args.url.rstrip('/')}/webhooks/rest/webhook", args.turns, args.window)
    else:
        workdir = reset_dir(DEFAULT_REPORTS / "work" / "turn-cost")
        with start_stack("turn-cost", our_model(args.model), workdir) as stack:
            figures = measure(stack.url, args.turns, args.window)
    print(describe(figures), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
