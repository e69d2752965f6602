"""Start-up time and per-message cost of the term matcher (`knowledge.matcher`).

    PYTHONPATH=. .venv/bin/python scripts/bench_matcher.py [--repeat N]

Prints the time to build the process-wide matcher (catalog parsed and validated, patterns added;
spaCy's import is timed apart, it is paid once by every process that uses spaCy) and the mean
`find_all` time per message over the routing cases of evaluation/ontology_routing_cases.yml and
tests/knowledge/routing_cases.yml. CPU time is printed beside wall-clock time, which a busy machine inflates.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _messages() -> list[str]:
    texts = []
    for path in (ROOT / "evaluation/ontology_routing_cases.yml", ROOT / "tests/knowledge/routing_cases.yml"):
        texts.extend(case["text"] for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the messages (default 5)")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # thinc imports TensorFlow when installed: quiet it
    started = time.perf_counter()
    import spacy  # noqa: F401  (timed apart: every spaCy user pays it)

    spacy_import = time.perf_counter() - started
    from knowledge.matcher import get_matcher

    started, cpu_started = time.perf_counter(), time.process_time()
    matcher = get_matcher()
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    messages = _messages()
    matcher.find_all(messages[0])  # warm caches
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(args.repeat):
        for message in messages:
            matcher.find_all(message)
    runs = args.repeat * len(messages)
    per_message = (time.perf_counter() - started) / runs
    per_message_cpu = (time.process_time() - cpu_started) / runs
    print(f"spaCy import: {spacy_import:.2f} s")
    print(f"matcher start-up (catalog + patterns): {build:.2f} s wall, {build_cpu:.2f} s CPU")
    print(f"find_all per message: {per_message * 1000:.2f} ms wall, {per_message_cpu * 1000:.2f} ms CPU "
          f"(mean of {args.repeat} x {len(messages)} messages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
