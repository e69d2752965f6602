"""Entities as the bot outputs them, scored on the held-out NLU file.

    python -m evaluation.entities --model models/<model>.tar.gz [--nlu tests/nlu/test_nlu.yml] [--json out.json]

`rasa test nlu` scores each entity extractor on its own, token by token. This pipeline divides the work
(KnowledgeTermExtractor gives conditions, services, ages and relations; DIET places), so no single
extractor's report is what the actions receive. This scores the parse result as a whole, entity by
entity: a predicted entity is right when an annotated one has its type, start and end (what `rasa test`
compares in the conversation tests; values are left out because the NLU files leave synonyms to the
synonym mapper). Micro averages over all entities, and per entity type.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from evaluation.common import PROJECT_ROOT

TEST_NLU = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"

Span = tuple[str, int, int]


def load_examples(nlu_file: Path = TEST_NLU) -> list[tuple[str, list[Span]]]:
    """(text, annotated entity spans) of every example in an NLU file."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(message.get("text"), [(e["entity"], e["start"], e["end"]) for e in message.get("entities") or []])
            for message in load_data(str(nlu_file)).intent_examples]


def parse_messages(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """The trained model's whole-pipeline parse of each text (intent, ranking, entities), in order."""
    import structlog
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.ERROR)
    # Rasa's processor logs every parse at debug level through structlog
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def parse_entities(model: Path, texts: list[str]) -> list[list[Span]]:
    """The entity spans the trained model's whole pipeline outputs for each text."""
    return [[(e["entity"], e["start"], e["end"]) for e in parsed.get("entities", []) if "start" in e]
            for parsed in parse_messages(model, texts)]


def _prf(right: int, predicted: int, annotated: int) -> dict[str, float | int]:
    precision = right / predicted if predicted else 0.0
    recall = right / annotated if annotated else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": annotated}


def score(texts: list[str], gold: list[list[Span]], predicted: list[list[Span]], examples: int = 15) -> dict[str, Any]:
    """Entity-level precision, recall and F1 (micro and per type), with the first differing messages."""
    right, n_predicted, n_gold = Counter(), Counter(), Counter()
    differing = []
    for text, expected, got in zip(texts, gold, predicted):
        expected_set, got_set = set(expected), set(got)
        for entity, *_ in expected_set:
            n_gold[entity] += 1
        for entity, *_ in got_set:
            n_predicted[entity] += 1
        for entity, *_ in expected_set & got_set:
            right[entity] += 1
        if expected_set != got_set and len(differing) < examples:
            differing.append({"text": text,
                              "missed": [f"{e}:{text[s:t]!r}" for e, s, t in sorted(expected_set - got_set)],
                              "extra": [f"{e}:{text[s:t]!r}" for e, s, t in sorted(got_set - expected_set)]})
    types = sorted(set(n_gold) | set(n_predicted))
    return {
        "micro": _prf(sum(right.values()), sum(n_predicted.values()), sum(n_gold.values())),
        "per_entity": {t: _prf(right[t], n_predicted[t], n_gold[t]) for t in types},
        "messages": len(texts),
        "differing_examples": differing,
    }


def evaluate(model: Path, nlu_file: Path = TEST_NLU) -> dict[str, Any]:
    """Score the model's pipeline output on `nlu_file`."""
    examples = load_examples(nlu_file)
    texts = [text for text, _ in examples]
    return score(texts, [spans for _, spans in examples], parse_entities(model, texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Entities as the bot outputs them, on a held-out NLU file.")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--nlu", type=Path, default=TEST_NLU)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    figures = evaluate(args.model, args.nlu)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    micro = figures["micro"]
    print(f"entities as output, {figures['messages']} messages: precision {micro['precision']:.3f} "
          f"recall {micro['recall']:.3f} F1 {micro['f1']:.3f} ({micro['support']} annotated)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
