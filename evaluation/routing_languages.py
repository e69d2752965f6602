"""Routing in the patient's language (issue #15): the share of messages in each language that
`knowledge.routing.route_patient` sends to exactly the expected unit(s), beside the same measure in English.

    python -m evaluation.routing_languages [--database-url URL] [--misses] [--json]

The cases are `evaluation/routing_cases_<code>.yml` (en, ko, ru, zh, mn, ar), about 25 each: messages as
patients and relatives write them, adults and children, a few naming a service or something outside cancer
care, written for this measure and not from the matcher's tests (tests/knowledge/test_matcher_languages.py).
Each set is run and scored as evaluation/ontology_routing.py runs its cases (`load_cases`, `run`: right when
the units routed are exactly the units expected; [] expects no unit). Without --database-url the knowledge
store is built into a temporary SQLite file from the checkout's content. Exit code 0 always: a measure,
not a gate.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from evaluation import ontology_routing
from languages import LANGUAGES
from referrals.places import language_name

CASES_DIR = Path(__file__).resolve().parent


def case_file(code: str) -> Path:
    """The case file of one language."""
    return CASES_DIR / f"routing_cases_{code}.yml"


def measure(database_url: str, codes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per language (those whose case file exists): cases, right, accuracy and the misses."""
    figures: dict[str, dict[str, Any]] = {}
    for code in codes or list(LANGUAGES):
        path = case_file(code)
        if not path.exists():
            continue
        outcomes = ontology_routing.run(database_url, ontology_routing.load_cases(path))
        right = sum(outcome.right for outcome in outcomes)
        figures[code] = {
            "cases": len(outcomes), "right": right, "accuracy": right / len(outcomes) if outcomes else None,
            "misses": [{"text": o.text, "condition": o.condition, "expected": sorted(o.expected),
                        "routed": sorted(o.routed)} for o in outcomes if not o.right],
        }
    return figures


def render(figures: dict[str, dict[str, Any]], misses: bool = False) -> str:
    """One line per language, English first, with its distance from English; the misses when asked."""
    english = (figures.get("en") or {}).get("accuracy")
    lines = ["routing by language (knowledge.routing.route_patient, exact units):"]
    for code, entry in figures.items():
        share = entry["accuracy"]
        versus = "" if code == "en" or english is None or share is None else \
            f"  ({100 * (share - english):+.1f} points vs English)"
        lines.append(f"  {language_name(code):<10} {entry['right']:>3}/{entry['cases']:<3} "
                     f"{100 * share:5.1f} %{versus}")
        if misses:
            lines += [f"      MISS {m['text']!r}: condition={m['condition']!r} expected={m['expected']} "
                      f"routed={m['routed']}" for m in entry["misses"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.routing_languages", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a built knowledge store (default: build one in a temporary file)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url is None:
            from knowledge.loader import build

            url = f"sqlite:///{Path(tmp) / 'store.db'}"
            build(url)
        figures = measure(url)
    print(json.dumps(figures, ensure_ascii=False) if args.json else render(figures, args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
