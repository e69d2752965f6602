"""Understanding per language (issue #15): the trained model on each language's held-out NLU file.

    python -m evaluation.languages_nlu --model models/<model>.tar.gz [--json out.json] [--misses N]

English is tests/nlu/test_nlu.yml; the other languages languages/nlu/<code>/test.yml (none of their
sentences is in training: tests/languages/test_language_nlu_data.py). The model is loaded once and every
file parsed by its whole pipeline, as the bot runs it (the fallbacks and guards included), so a message
sent to the fallback counts as a miss. Per language: intent accuracy, entity F1 as the bot outputs
entities (type and span, evaluation/entities.py), and the share of messages whose detected language is
the file's (the language the bot answers in).
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from evaluation import entities
from evaluation.training import PYTHON, run_logged
from languages import LANGUAGES
from settings import PROJECT_ROOT

FALLBACK_INTENT = "nlu_fallback"


def test_file(code: str) -> Path:
    """The held-out NLU file of a language."""
    return entities.TEST_NLU if code == "en" else PROJECT_ROOT / "languages" / "nlu" / code / "test.yml"


def _intents(nlu_file: Path) -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [message.get("intent") for message in load_data(str(nlu_file)).intent_examples]


def score_language(code: str, expected: list[str], texts: list[str], gold: list[list[entities.Span]],
                   parsed: list[dict[str, Any]], misses: int = 10) -> dict[str, Any]:
    """The figures of one language from its messages' expected intents and entity spans and their parses."""
    got = [(result.get("intent") or {}).get("name") for result in parsed]
    right = sum(e == g for e, g in zip(expected, got))
    confused = Counter((e, g) for e, g in zip(expected, got) if e != g)
    predicted_spans = [[(e["entity"], e["start"], e["end"]) for e in result.get("entities", []) if "start" in e]
                       for result in parsed]
    entity_scores = entities.score(texts, gold, predicted_spans, examples=0)
    detected = sum(result.get("language") == code for result in parsed)
    return {
        "messages": len(texts),
        "intent_accuracy": right / len(texts) if texts else None,
        "fallback_share": sum(g == FALLBACK_INTENT for g in got) / len(texts) if texts else None,
        "entity_f1": entity_scores["micro"]["f1"] if entity_scores["micro"]["support"] else None,
        "entity_support": entity_scores["micro"]["support"],
        "language_detected": detected / len(texts) if texts else None,
        "top_confusions": [{"expected": e, "got": g, "count": n} for (e, g), n in confused.most_common(misses)],
        "missed_examples": [{"text": t, "expected": e, "got": g}
                            for t, e, g in zip(texts, expected, got) if e != g][:misses],
    }


def evaluate(model: Path, codes: tuple[str, ...] = LANGUAGES, misses: int = 10) -> dict[str, dict[str, Any]]:
    """Every language's figures, from one load of `model`."""
    files = {code: test_file(code) for code in codes}
    examples = {code: entities.load_examples(path) for code, path in files.items()}
    all_texts = [text for code in codes for text, _ in examples[code]]
    parsed = entities.parse_messages(model, all_texts)
    figures, start = {}, 0
    for code in codes:
        texts = [text for text, _ in examples[code]]
        gold = [spans for _, spans in examples[code]]
        figures[code] = score_language(code, _intents(files[code]), texts, gold,
                                       parsed[start:start + len(texts)], misses)
        start += len(texts)
    return figures


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f} %"


def render_table(figures: dict[str, dict[str, Any]]) -> list[str]:
    """One line per language: messages, intent accuracy and its distance to English, fallbacks, entity F1,
    language detected."""
    english = (figures.get("en") or {}).get("intent_accuracy")
    lines = ["language  messages  intent acc  vs English  fallback  entity F1  language detected"]
    for code, f in figures.items():
        gap = ("" if english is None or f["intent_accuracy"] is None or code == "en"
               else f"{100 * (f['intent_accuracy'] - english):+6.1f} pt")
        lines.append(f"{code:<9} {f['messages']:>8}  {_percent(f['intent_accuracy']):>10}  {gap:>10}  "
                     f"{_percent(f['fallback_share']):>8}  {_percent(f['entity_f1']):>9}  "
                     f"{_percent(f['language_detected']):>9}")
    return lines


def run_in_subprocess(model: Path, out_dir: Path) -> dict[str, Any]:
    """For `make eval`: every language's figures measured in a child process (the model loaded there, not
    in the report's process); {"error": ...} when it failed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "languages_nlu.json"
    target.unlink(missing_ok=True)
    try:
        run_logged([PYTHON, "-m", "evaluation.languages_nlu", "--model", str(model),
                           "--json", str(target)], out_dir / "languages_nlu.log")
        return json.loads(target.read_text(encoding="utf-8"))
    except Exception as error:  # noqa: BLE001 - a failed measurement is reported, never loses the report
        return {"error": f"{type(error).__name__}: {error} (see {out_dir})"}


def render_markdown(figures: dict[str, Any] | None) -> list[str]:
    """The report's section: the table per language and each language's most frequent confusions."""
    if not figures:
        return []
    lines = ["## Understanding per language (`python -m evaluation.languages_nlu --model ...`)", ""]
    if "error" in figures:
        return lines + [f"Not measured: {figures['error']}", ""]
    lines += ["Each language's held-out NLU file through the whole pipeline (a fallback counts as a miss); entity "
              "F1 as the bot outputs entities (type and span); the share of messages detected as their language.",
              "", "```", *render_table(figures), "```", ""]
    for code, f in figures.items():
        if f.get("top_confusions"):
            lines.append(f"- {code}: " + ", ".join(f"{c['expected']} -> {c['got']} x{c['count']}"
                                                    for c in f["top_confusions"][:5]))
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Intent accuracy, entity F1 and language detection per language.")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--misses", type=int, default=10, help="confusions and missed messages shown per language")
    args = parser.parse_args(argv)
    figures = evaluate(args.model, misses=args.misses)
    print("\n".join(render_table(figures)))
    for code, f in figures.items():
        if f["top_confusions"]:
            print(f"\n{code}: " + ", ".join(f"{c['expected']}->{c['got']} x{c['count']}" for c in f["top_confusions"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
