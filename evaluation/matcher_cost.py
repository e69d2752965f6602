"""Start-up and per-message cost of the term matcher (knowledge/matcher.py), before and after the disease
terminology: with the curated vocabulary only (`load_catalog(terminology_file=None)`, the matcher as it
was before vocabulary/disease_ontology.json) and with the full vocabulary (what the bot runs).

    python -m evaluation.matcher_cost [--vocabulary curated|full] [--repeat 5] [--json]

Every figure comes from a fresh Python process (`measure_in_subprocess`), so spaCy's import and the
matcher's build are paid as the NLU component (nlu_components/knowledge_terms.py) pays them when a Rasa
server loads the model. Per message: the component's own call, `TermMatcher.find`, over the routing
cases of evaluation/ontology_routing_cases.yml and tests/knowledge/routing_cases.yml. CPU time is
reported beside wall-clock time, which a busy machine inflates; `make bench` runs both vocabularies.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import yaml

from settings import PROJECT_ROOT

VOCABULARIES = ("curated", "full")
MESSAGE_FILES = (PROJECT_ROOT / "evaluation" / "ontology_routing_cases.yml",
                 PROJECT_ROOT / "tests" / "knowledge" / "routing_cases.yml")


def messages() -> list[str]:
    """The routing cases' patient messages: what the matcher reads in production, conditions and all."""
    texts = []
    for path in MESSAGE_FILES:
        if path.exists():
            texts += [case["text"] for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]
    return texts


def _timed(call) -> tuple[Any, float, float]:
    """`call()`'s result, its wall-clock seconds and its CPU seconds (this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure(vocabulary: str = "full", repeat: int = 5) -> dict[str, Any]:
    """Time spaCy's import, the matcher's build (catalog parsed, patterns added) and `find` per message,
    in this process. Meaningful only in a process that has imported neither spaCy nor the catalog."""
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"vocabulary is one of {VOCABULARIES}, not {vocabulary!r}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # thinc imports TensorFlow when installed: quiet it
    _, spacy_import_s, spacy_import_cpu_s = _timed(lambda: __import__("spacy"))
    from knowledge.catalog import VOCABULARY_DIR, load_catalog
    from knowledge.matcher import TermMatcher

    terminology = None if vocabulary == "curated" else VOCABULARY_DIR / "disease_ontology.json"
    catalog, catalog_s, catalog_cpu_s = _timed(lambda: load_catalog(terminology_file=terminology))
    matcher, patterns_s, patterns_cpu_s = _timed(lambda: TermMatcher(catalog))
    texts = messages()
    matcher.find(texts[0])  # the first call fills spaCy's caches; a server pays it once
    _, find_s, find_cpu_s = _timed(lambda: [matcher.find(text) for _ in range(repeat) for text in texts])
    calls = repeat * len(texts)
    return {
        "vocabulary": vocabulary,
        "conditions": len(catalog.all_conditions()),
        "spacy_import_s": round(spacy_import_s, 3),
        "spacy_import_cpu_s": round(spacy_import_cpu_s, 3),
        "build_s": round(catalog_s + patterns_s, 3),
        "build_cpu_s": round(catalog_cpu_s + patterns_cpu_s, 3),
        "catalog_s": round(catalog_s, 3),
        "patterns_s": round(patterns_s, 3),
        # what a process pays before the NLU component can read its first message
        "component_startup_s": round(spacy_import_s + catalog_s + patterns_s, 3),
        "component_startup_cpu_s": round(spacy_import_cpu_s + catalog_cpu_s + patterns_cpu_s, 3),
        "per_message_ms": round(1000 * find_s / calls, 3),
        "per_message_cpu_ms": round(1000 * find_cpu_s / calls, 3),
        "messages": len(texts),
        "repeat": repeat,
    }


def measure_in_subprocess(vocabulary: str, repeat: int = 5, python: str = sys.executable) -> dict[str, Any]:
    """`measure(vocabulary)` in a fresh interpreter; errors are reported, not raised."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([python, "-m", "evaluation.matcher_cost", "--vocabulary", vocabulary,
                             "--repeat", str(repeat), "--json"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"vocabulary": vocabulary, "error": f"exit code {result.returncode}: {tail[0]}"[:300]}
    return json.loads(result.stdout.strip().splitlines()[-1])


RATIO_FIGURES = ("build_s", "build_cpu_s", "component_startup_s", "component_startup_cpu_s", "per_message_ms",
                 "per_message_cpu_ms")


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{before, after, after_over_before}: each figure's ratio after / before (none where one failed)."""
    ratios = {}
    if "error" not in before and "error" not in after:
        ratios = {key: round(after[key] / before[key], 2) if before[key] else None for key in RATIO_FIGURES}
    return {"before": before, "after": after, "after_over_before": ratios}


def before_and_after(repeat: int = 5) -> dict[str, Any]:
    """Both vocabularies, each in a fresh process, one after the other."""
    return compare(measure_in_subprocess("curated", repeat), measure_in_subprocess("full", repeat))


def describe(figures: dict[str, Any]) -> str:
    """'start-up 1.2 s -> 2.9 s, per message 0.41 ms -> 0.55 ms' for the terminal."""
    before, after = figures["before"], figures["after"]
    if "error" in before or "error" in after:
        return f"matcher not measured: {before.get('error') or after.get('error')}"
    return (f"matcher (NLU component) start-up {before['component_startup_s']:.2f} s -> "
            f"{after['component_startup_s']:.2f} s (CPU {before['component_startup_cpu_s']:.2f} -> "
            f"{after['component_startup_cpu_s']:.2f} s), per message {before['per_message_ms']:.2f} ms -> "
            f"{after['per_message_ms']:.2f} ms (CPU {before['per_message_cpu_ms']:.2f} -> "
            f"{after['per_message_cpu_ms']:.2f} ms); curated vocabulary -> with the disease terminology")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.matcher_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--vocabulary", choices=VOCABULARIES,
                        help="measure one vocabulary in this process (default: both, each in a fresh process)")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the messages (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args(argv)
    figures = measure(args.vocabulary, args.repeat) if args.vocabulary else before_and_after(args.repeat)
    print(json.dumps(figures) if args.json else (describe(figures) if not args.vocabulary else figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
