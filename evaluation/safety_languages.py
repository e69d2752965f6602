"""Emergencies in every language patients write in, and how well their language is told.

    python -m evaluation.safety_languages [--model PATH] [--heldout] [--json out.json]

Per language (English: evaluation/emergency_cases.yml; the others: evaluation/emergency_cases_<lang>.yml):

- **recall**: the share of red flags classified `emergency`, and **escalation**: the share of near misses
  classified `emergency`, by the safety patterns alone (nlu_components/safety_guard.py), or with
  `--model` by a trained model's whole NLU pipeline (the classifier, then the guard);
- **detection**: the share of the language's cases whose language is detected right (languages.detection),
  and the share of SHORT_OR_MIXED messages left undecided;
- the detector's start-up (building it, its models loaded) and its mean cost per message.

`--heldout` measures evaluation/emergency_cases_heldout_languages.yml instead: cases written after the
patterns were frozen and never tuned on (the development sets' misses were corrected in the patterns).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from evaluation import common, safety
from languages import LANGUAGES
from languages.detection import detect_language, detector

# Messages that must never change the conversation's language: references, readings, codes, names,
# emails, one-word replies.
SHORT_OR_MIXED = ["CAR-T?", "KCR-2026-00417", "38.5", "Kim Min-jun", "Batbold Dorj", "Батболд", "Ali Hassan",
                  "patient@example.com", "ok", "HSCT", "R-CHOP?", "PET-CT", "www.snuh.org", "SNUH", "yes",
                  "нет", "тийм", "لا", "네", "好", "Dr. Park Ji-sung", "+82 10 1234 5678", "2026-12-24"]

HELDOUT_FILE = common.EVALUATION_DIR / "emergency_cases_heldout_languages.yml"

Classifier = Callable[[list[str]], list[dict[str, Any]]]


def cases_file(language: str) -> Path:
    """Where the red flags and near misses of `language` are."""
    return safety.CASES_FILE if language == "en" else common.EVALUATION_DIR / f"emergency_cases_{language}.yml"


def load_all_cases() -> dict[str, dict[str, list[dict[str, str]]]]:
    """{language: {"red_flags": [...], "near_misses": [...]}} for every language."""
    return {language: safety.load_cases(cases_file(language)) for language in LANGUAGES}


def load_heldout_cases(path: Path = HELDOUT_FILE) -> dict[str, dict[str, list[dict[str, str]]]]:
    """The held-out cases by language, in the shape of `load_all_cases`."""
    import yaml

    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases: dict[str, dict[str, list[dict[str, str]]]] = {}
    for group in ("red_flags", "near_misses"):
        for row in content.get(group) or []:
            if row.get("language") not in LANGUAGES or not row.get("text") or not row.get("kind"):
                raise ValueError(f"{path}: {group} entry {row!r} needs a language, a text and a kind")
            language_cases = cases.setdefault(row["language"], {"red_flags": [], "near_misses": []})
            language_cases[group].append({"text": str(row["text"]).strip(), "kind": str(row["kind"])})
    return cases


def guard_only(texts: list[str]) -> list[dict[str, Any]]:
    """Parse results as the safety patterns alone give them (intent `emergency` or None)."""
    from nlu_components.safety_guard import guarded_intent, load_patterns

    patterns = load_patterns()
    return [{"text": text, "intent": {"name": (guarded_intent(text, patterns) or (None,))[0], "confidence": 1.0}}
            for text in texts]


def detection_figures(cases: dict[str, dict[str, list[dict]]]) -> dict[str, Any]:
    """Per-language accuracy on the cases' sentences, undecided short or mixed messages, and the cost."""
    detector.cache_clear()
    started = time.perf_counter()
    detector()
    start_up = time.perf_counter() - started
    per_language, timed = {}, 0
    started = time.perf_counter()
    for language, groups in cases.items():
        texts = [case["text"] for group in groups.values() for case in group]
        wrong = [{"text": text, "detected": detected} for text in texts
                 if (detected := detect_language(text)) != language]
        timed += len(texts)
        per_language[language] = {"sentences": len(texts), "right": len(texts) - len(wrong),
                                  "accuracy": (len(texts) - len(wrong)) / len(texts), "wrong": wrong}
    per_message = (time.perf_counter() - started) / max(timed, 1)
    flipped = [{"text": text, "detected": detected} for text in SHORT_OR_MIXED
               if (detected := detect_language(text)) is not None]
    return {"by_language": per_language,
            "short_or_mixed": len(SHORT_OR_MIXED), "short_or_mixed_decided": flipped,
            "start_up_seconds": start_up, "per_message_ms": per_message * 1000}


def measure(classify: Classifier, cases: dict[str, dict[str, list[dict]]] | None = None) -> dict[str, Any]:
    """Recall and escalation per language (one classification of every case), and the detection figures."""
    cases = cases or load_all_cases()
    texts = list(dict.fromkeys(case["text"] for groups in cases.values() for group in groups.values()
                               for case in group))
    parses = dict(zip(texts, classify(texts)))
    return {"emergencies": {language: safety.score_emergencies(groups, parses) for language, groups in cases.items()},
            "detection": detection_figures(cases)}


def summary_lines(figures: dict[str, Any]) -> list[str]:
    """The figures per language, then every miss, escalation and detection mistake."""
    pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"  # noqa: E731
    detection = figures["detection"]
    lines = ["language  red flags recognised   near misses escalated   language detected"]
    for language, e in figures["emergencies"].items():
        d = detection["by_language"][language]
        lines.append(f"{language:<9} {e['recognised']:>3}/{e['red_flags']:<3} ({pct(e['recall']):>7})   "
                     f"{e['escalated']:>3}/{e['near_misses']:<3} ({pct(e['escalation_rate']):>7})   "
                     f"{d['right']:>3}/{d['sentences']:<3} ({pct(d['accuracy'])})")
    lines.append(f"short or mixed messages left undecided: "
                 f"{detection['short_or_mixed'] - len(detection['short_or_mixed_decided'])}/{detection['short_or_mixed']}")
    lines.append(f"detector start-up (models loaded): {detection['start_up_seconds']:.2f} s; "
                 f"per message: {detection['per_message_ms']:.3f} ms")
    for language, e in figures["emergencies"].items():
        lines += [f"  [{language}] MISSED red flag [{m['kind']}]: {m['text']!r} -> {m['intent']}" for m in e["missed"]]
        lines += [f"  [{language}] ESCALATED near miss [{m['kind']}]: {m['text']!r}" for m in e["escalated_cases"]]
    for language, d in detection["by_language"].items():
        lines += [f"  [{language}] detected {w['detected']}: {w['text']!r}" for w in d["wrong"]]
    lines += [f"  short message decided {w['detected']}: {w['text']!r}" for w in detection["short_or_mixed_decided"]]
    return lines


def run_in_subprocess(model: Path, out_dir: Path) -> dict[str, Any]:
    """For `make eval`: the development and the held-out cases through `model`'s whole NLU, each in a
    child process (as evaluation/safety.py runs); {"error": ...} in place of a set that failed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    measured: dict[str, Any] = {}
    for name, extra in (("development", []), ("held_out", ["--heldout"])):
        target = out_dir / f"safety_languages_{name}.json"
        target.unlink(missing_ok=True)
        try:
            common.run_logged([common.PYTHON, "-m", "evaluation.safety_languages", "--model", str(model),
                               "--json", str(target), *extra], out_dir / f"safety_languages_{name}.log")
            measured[name] = json.loads(target.read_text(encoding="utf-8"))
        except Exception as error:  # noqa: BLE001 - a failed measurement is reported, never loses the report
            measured[name] = {"error": f"{type(error).__name__}: {error} (see {out_dir})"}
    return measured


def render_markdown(measured: dict[str, Any] | None) -> list[str]:
    """The report's section: per language, for each case set, the summary lines of `summary_lines`."""
    if not measured:
        return []
    lines = ["## Emergencies in every language (`python -m evaluation.safety_languages --model ...`)", "",
             "Red flags recognised and near misses escalated per language by the whole NLU, and the language "
             "of each message as detected; the held-out cases were written after the patterns were frozen.", ""]
    for name, figures in measured.items():
        lines += [f"{name.replace('_', '-')} cases:", ""]
        lines += ["    " + line for line in (summary_lines(figures) if "error" not in figures else [figures["error"]])]
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a trained model: measure its whole NLU, not the patterns alone")
    parser.add_argument("--heldout", action="store_true", help="the held-out cases, not the development sets")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    cases = load_heldout_cases() if args.heldout else load_all_cases()
    if args.model:
        from evaluation.entities import parse_messages

        figures = measure(lambda texts: parse_messages(args.model, texts), cases)
    else:
        figures = measure(guard_only, cases)
    figures["model"] = str(args.model) if args.model else None
    figures["cases"] = "held out" if args.heldout else "development"
    print("\n".join(summary_lines(figures)))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
