"""Terminology routing measure: the share of patient messages naming conditions outside the curated
list that `knowledge.routing.route_patient` sends to exactly the expected unit(s).

    python -m evaluation.ontology_routing [--cases FILE] [--database-url URL] [--misses]

Without --database-url the knowledge store is built into a temporary SQLite file from the checkout's
content, so the figure measures the code and data of this checkout. Exit code 0 always (a measure,
not a gate: the test in tests/knowledge/test_ontology_routing.py holds the floor).
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

CASES_FILE = Path(__file__).with_name("ontology_routing_cases.yml")


@dataclass(frozen=True)
class Outcome:
    """One case: the message, the expected and the routed unit ids, and the condition recognised."""

    text: str
    expected: frozenset[str]
    routed: frozenset[str]
    condition: str | None

    @property
    def right(self) -> bool:
        return self.expected == self.routed


def load_cases(path: Path = CASES_FILE) -> list[tuple[str, frozenset[str]]]:
    """The cases as (text, expected unit ids)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    units = data["units"]
    return [(case["text"], frozenset(units[alias] for alias in case["expect"])) for case in data["cases"]]


def run(database_url: str, cases: list[tuple[str, frozenset[str]]]) -> list[Outcome]:
    """Route every case on the store at `database_url`."""
    from knowledge.database import open_session
    from knowledge.routing import route_patient

    outcomes = []
    with open_session(database_url) as session:
        for text, expected in cases:
            result = route_patient(session, text)
            routed = frozenset(route.unit.id for route in result.routes)
            outcomes.append(Outcome(text, expected, routed, result.condition.name if result.condition else None))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES_FILE)
    parser.add_argument("--database-url")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url is None:
            from knowledge.loader import build

            url = f"sqlite:///{Path(tmp) / 'store.db'}"
            build(url)
        outcomes = run(url, cases)
    right = sum(o.right for o in outcomes)
    print(f"terminology routing: {right}/{len(outcomes)} right ({100 * right / len(outcomes):.1f} %)")
    if args.misses:
        print_misses(outcomes)
    return 0


def print_misses(outcomes: list[Outcome]) -> None:
    """One line per message routed wrong: the condition read, the units expected and those routed."""
    for o in outcomes:
        if not o.right:
            print(f"  MISS {o.text!r}: condition={o.condition!r} expected={sorted(o.expected)} "
                  f"routed={sorted(o.routed)}")


if __name__ == "__main__":
    raise SystemExit(main())
