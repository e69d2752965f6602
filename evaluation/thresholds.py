"""Choose the NLU fallback threshold from measurements on held-out messages.

`python -m evaluation.thresholds [--model models/...]` parses the held-out NLU test file
(tests/nlu/test_nlu.yml) and held-out CLINC out-of-domain messages with the trained model, and prints,
for each candidate threshold, what share of in-domain messages would fall back (friction: the patient
gets topic buttons instead of an answer) and what share of wrong answers the fallback would catch.
The threshold in config.yml is the highest one whose in-domain fallback share stays within budget.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

from settings import PROJECT_ROOT

CANDIDATES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# At most 5 % of in-domain messages may get topic buttons instead of an answer: a wrong answer misleads a
# patient, buttons only cost a click, so the budget leans towards catching errors.
FALLBACK_BUDGET = 0.05


def newest_model() -> Path:
    return max((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)


async def top_predictions(agent: Agent, texts: list[str]) -> list[tuple[str, float]]:
    """The best non-fallback intent and its confidence for each text."""
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = [entry for entry in parsed.get("intent_ranking", []) if entry["name"] != "nlu_fallback"]
        results.append((ranking[0]["name"], float(ranking[0]["confidence"])) if ranking else ("", 0.0))
    return results


def table(examples: list[tuple[str, str, float]]) -> list[dict[str, float]]:
    """Per threshold: in-domain fallback share and the share of errors it catches."""
    rows = []
    errors = [(t, p, c) for t, p, c in examples if t != p]
    for threshold in CANDIDATES:
        falls = [c < threshold for _, _, c in examples]
        caught = [c < threshold for _, _, c in errors]
        rows.append({
            "threshold": threshold,
            "fallback_share": sum(falls) / len(examples),
            "errors_caught_share": (sum(caught) / len(errors)) if errors else 0.0,
            "accuracy_of_answers": sum(t == p for (t, p, c), fell in zip(examples, falls) if not fell)
            / max(1, sum(not fell for fell in falls)),
        })
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--test-file", type=Path, default=PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # Rasa logs every parse at debug/info level
    agent = Agent.load(str(args.model or newest_model()))
    data = load_data(str(args.test_file))
    messages = [m for m in data.intent_examples if m.get("intent") not in ("out_of_scope",)]
    texts = [m.get("text") for m in messages]
    predictions = asyncio.run(top_predictions(agent, texts))
    examples = [(m.get("intent"), p, c) for m, (p, c) in zip(messages, predictions)]
    rows = table(examples)
    print(f"{len(examples)} held-out in-domain messages; accuracy before fallback "
          f"{sum(t == p for t, p, _ in examples) / len(examples):.3f}")
    print("threshold  in-domain fallback  errors caught  accuracy of answers given")
    for row in rows:
        print(f"{row['threshold']:>9.2f}  {row['fallback_share']:>18.3f}  {row['errors_caught_share']:>13.3f}"
              f"  {row['accuracy_of_answers']:>25.3f}")
    within = [row for row in rows if row["fallback_share"] <= FALLBACK_BUDGET]
    chosen = max(within, key=lambda row: row["threshold"]) if within else rows[0]
    print(f"chosen: {chosen['threshold']} (highest with in-domain fallback <= {FALLBACK_BUDGET:.0%})")
    print(json.dumps({"rows": rows, "chosen": chosen["threshold"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
