"""Replies in the patient's language (issue #15), through the running bot.

A sample of each language's held-out NLU messages (evaluation/languages_nlu.py names the files) is sent,
each as a new conversation, and the first line of the bot's first text reply (not a "Source:" line) is
checked to be written in the message's language, as the bot's own detector names it
(languages.detection). A reply too short to tell counts as neither right nor wrong.
`make eval` runs it for our bot beside the baseline.
"""
from __future__ import annotations

import random
from typing import Any

from evaluation import entities
from evaluation.languages_nlu import test_file
from languages import LANGUAGES

# messages per language: enough for a share within a few points, few enough for make eval's time
SAMPLE_PER_LANGUAGE = 40


def sample_messages(per_language: int = SAMPLE_PER_LANGUAGE, seed: int = 7) -> list[tuple[str, str]]:
    """(language code, message) pairs: a fixed random sample of each language's held-out file."""
    chosen = []
    for code in LANGUAGES:
        texts = [text for text, _ in entities.load_examples(test_file(code))]
        chosen += [(code, text) for text in random.Random(f"{seed}-{code}").sample(texts, min(per_language, len(texts)))]
    return chosen


def first_reply_text(replies: list[dict[str, Any]]) -> str:
    """The first line of the first text reply that is not a "Source(s):" line ("" when there is none)."""
    for reply in replies:
        text = reply.get("text") or ""
        lines = [line for line in text.splitlines()
                 if line.strip() and not line.lower().lstrip("*_ ").startswith(("source", "sources"))]
        if lines:
            return lines[0]
    return ""


def score(sample: list[tuple[str, str]], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Per language: replies in the message's language, in another, and undecided (too short to tell)."""
    from languages.detection import detect_language

    per: dict[str, dict[str, Any]] = {code: {"messages": 0, "right": 0, "wrong": 0, "undecided": 0, "wrong_examples": []}
                                      for code in LANGUAGES}
    for (code, message), entry in zip(sample, entries):
        figures = per[code]
        figures["messages"] += 1
        reply = first_reply_text(entry.get("replies") or [])
        written_in = detect_language(reply) if reply else None
        if written_in is None:
            figures["undecided"] += 1
        elif written_in == code:
            figures["right"] += 1
        else:
            figures["wrong"] += 1
            if len(figures["wrong_examples"]) < 3:
                figures["wrong_examples"].append({"message": message, "reply": reply[:160], "detected": written_in})
    for figures in per.values():
        decided = figures["right"] + figures["wrong"]
        figures["share"] = figures["right"] / decided if decided else None
    return per


def render_markdown(by_system: dict[str, dict[str, Any] | None]) -> list[str]:
    """The report's table: each system's share of replies in the message's language, per language."""
    systems = [s for s, figures in by_system.items() if figures]
    if not systems:
        return []
    lines = ["## Replies in the patient's language (`evaluation/reply_languages.py`)", "",
             f"{SAMPLE_PER_LANGUAGE} held-out messages per language, each a new conversation; the first text "
             "reply's language as detected (replies too short to tell left out).", "",
             "| language | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for code in LANGUAGES:
        cells = []
        for system in systems:
            f = by_system[system][code]
            cells.append("-" if f["share"] is None else f"{100 * f['share']:.1f} % ({f['right']}/{f['right'] + f['wrong']})")
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    return lines + [""]
