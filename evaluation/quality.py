"""`make eval`: the bot's quality, ours beside the `rasa init` baseline, in one run.

    python -m evaluation.quality [--smoke] [--out reports] [--ood 300] [--no-baseline]

Writes `<out>/eval.json` (every figure), `<out>/eval.md` (summary tables), `<out>/confusion_matrix.png`
(ours), `<out>/confusion_matrix_baseline.png` and `<out>/quality.png`. See evaluation/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from evaluation import (common, condition_routing, languages_nlu, quality_report, question_answering,
                        reply_languages, routing_languages, safety, safety_languages)
from evaluation.common import PROJECT_ROOT, log
from settings import load_settings

TEST_NLU = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
TEST_STORIES = PROJECT_ROOT / "tests" / "stories"
ROUTING_CASES = common.EVALUATION_DIR / "routing_cases.yml"
SYSTEMS = quality_report.SYSTEMS
# the report's parts, kept importable from here (`quality.headline`, `quality.render_markdown`)
HEADLINE_LABELS, headline = quality_report.HEADLINE_LABELS, quality_report.headline
plot_comparison, render_markdown = quality_report.plot_comparison, quality_report.render_markdown


# --- NLU on the held-out file ------------------------------------------------------------------------

def subset_nlu_file(source: Path, target: Path, per_intent: int) -> Path:
    """The first `per_intent` examples of every intent of an NLU file (annotations kept), for smoke runs."""
    content = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    lines = ['version: "3.1"', "nlu:"]
    for item in content.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item or not isinstance(item.get("examples"), str):
            continue
        examples = [line for line in item["examples"].splitlines() if line.strip().startswith("- ")][:per_intent]
        lines += [f"  - intent: {item['intent']}", "    examples: |"] + [f"      {e.strip()}" for e in examples]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def run_nlu_test(model: Path, out_dir: Path, test_file: Path = TEST_NLU) -> dict[str, Any]:
    """`rasa test nlu` on the held-out file; returns the figures read from its report files."""
    if not test_file.exists():
        return {"skipped": "the held-out file tests/nlu/test_nlu.yml does not exist"}
    common.reset_dir(out_dir)
    started = time.monotonic()
    # --no-plot: Rasa's own plots take long; the confusion matrix is drawn from the predictions instead
    common.run_logged([common.RASA, "test", "nlu", "--nlu", str(test_file), "--model", str(model),
                       "--out", str(out_dir), "--successes", "--no-plot"], out_dir / "rasa-test-nlu.log")
    result = read_nlu_results(out_dir)
    # what the actions receive: the pipeline's merged entities, scored entity by entity (evaluation/entities.py)
    common.run_logged([common.PYTHON, "-m", "evaluation.entities", "--model", str(model), "--nlu", str(test_file),
                       "--json", str(out_dir / "pipeline_entities.json")], out_dir / "pipeline-entities.log")
    result["pipeline_entities"] = json.loads((out_dir / "pipeline_entities.json").read_text())
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _averages(report: dict) -> dict[str, Any]:
    figures = {}
    for key in ("micro avg", "macro avg", "weighted avg"):
        if isinstance(report.get(key), dict):
            figures[key.replace(" ", "_")] = {k: report[key].get(k) for k in
                                              ("precision", "recall", "f1-score", "support")}
    return figures


def read_nlu_results(out_dir: Path) -> dict[str, Any]:
    """Intent and entity figures from the files `rasa test nlu --successes` writes."""
    intent_report = json.loads((out_dir / "intent_report.json").read_text())
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out_dir / name
        if path.exists():
            for row in json.loads(path.read_text()):
                prediction = row.get("intent_prediction") or {}
                predictions.append({"text": row.get("text"), "intent": row.get("intent"),
                                    "predicted": prediction.get("name"),
                                    "confidence": prediction.get("confidence")})
    per_intent = {
        label: {"precision": values.get("precision"), "recall": values.get("recall"),
                "f1": values.get("f1-score"), "support": values.get("support"),
                "confused_with": values.get("confused_with", {})}
        for label, values in intent_report.items()
        if isinstance(values, dict) and label not in {"micro avg", "macro avg", "weighted avg"}
    }
    correct = sum(1 for p in predictions if p["intent"] == p["predicted"])
    intents = {
        "examples": len(predictions),
        "accuracy": intent_report.get("accuracy", correct / len(predictions) if predictions else None),
        **_averages(intent_report),
        "per_intent": per_intent,
        "worst_confused_pairs": worst_confused_pairs(predictions),
        # the FallbackClassifier fired (the bot offers topics instead of answering)
        "fallback_share": (sum(1 for p in predictions if p["predicted"] == "nlu_fallback") / len(predictions)
                           if predictions else None),
    }
    entities = {}
    for path in sorted(out_dir.glob("*_report.json")):
        extractor = path.name[: -len("_report.json")]
        if extractor in {"intent", "response_selection", "story"}:
            continue
        report = json.loads(path.read_text())
        entities[extractor] = {
            **_averages(report),
            "per_entity": {label: {"precision": v.get("precision"), "recall": v.get("recall"),
                                   "f1": v.get("f1-score"), "support": v.get("support")}
                           for label, v in report.items()
                           if isinstance(v, dict) and label not in {"micro avg", "macro avg", "weighted avg"}},
        }
    return {"intents": intents, "entities": entities, "predictions": predictions}


def worst_confused_pairs(predictions: list[dict], top: int = 10) -> list[dict[str, Any]]:
    support = Counter(p["intent"] for p in predictions)
    pairs = Counter((p["intent"], p["predicted"]) for p in predictions if p["intent"] != p["predicted"])
    rows = []
    for (true, predicted), count in pairs.most_common():
        examples = [p["text"] for p in predictions if p["intent"] == true and p["predicted"] == predicted][:3]
        rows.append({"intent": true, "predicted": predicted, "count": count,
                     "share_of_intent": count / support[true], "examples": examples})
    rows.sort(key=lambda r: (-r["count"], -r["share_of_intent"], r["intent"]))
    return rows[:top]


def plot_confusion_matrix(predictions: list[dict], path: Path, title: str) -> None:
    import numpy as np

    plt = common.matplotlib_pyplot()
    labels = sorted({p["intent"] for p in predictions} | {p["predicted"] or "None" for p in predictions})
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for p in predictions:
        matrix[index[p["intent"]], index[p["predicted"] or "None"]] += 1
    rows = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
    size = max(6.0, 0.32 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if shares[i, j] > 0.6 else ("crimson" if i != j else "black"))
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent (held-out test file)")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04, label="share of the true intent's messages")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- routing cases -----------------------------------------------------------------------------------

def load_routing_cases(path: Path = ROUTING_CASES) -> tuple[list[dict], dict[str, str]]:
    """The cases with their expected aliases resolved to unit ids (`expect`, `also_ok`: lists of ids;
    `also_ok` includes the ancestors of the expected units in the knowledge store)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    units: dict[str, str] = data["units"]
    parents = unit_parents()

    def ancestors(unit: str) -> list[str]:
        found = []
        while parents.get(unit) and parents[unit] not in found:
            unit = parents[unit]
            found.append(unit)
        return found
    cases = []
    for number, raw in enumerate(data["cases"], start=1):
        turns = raw.get("turns") or [raw["text"]]
        for key in ("expect", "also_ok"):
            unknown = [alias for alias in raw.get(key) or [] if alias not in units]
            if unknown:
                raise ValueError(f"routing case {number} ({turns[-1]!r}): unknown unit alias {unknown}")
        cases.append({
            "id": raw.get("id", f"r{number:03d}"),
            "turns": turns,
            "expect": sorted(units[a] for a in raw.get("expect") or []),
            "also_ok": sorted({units[a] for a in raw.get("also_ok") or []}
                              | {p for a in raw.get("expect") or [] for p in ancestors(units[a])}),
            "tags": list(raw.get("tags") or []),
        })
    return cases, units


def smoke_cases(cases: list[dict], count: int = 8) -> list[dict]:
    """A spread of `count` cases (every kind of unit and an out-of-scope one) for the smoke run."""
    step = max(1, len(cases) // count)
    picked = cases[::step][:count - 1]
    return picked + [c for c in reversed(cases) if not c["expect"]][:1]


def unit_parents() -> dict[str, str | None]:
    """unit id -> parent unit id (or None), for every unit in knowledge/content/."""
    parents: dict[str, str | None] = {}
    for path in sorted((PROJECT_ROOT / "knowledge" / "content").glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for unit in content.get("units") or []:
            if isinstance(unit, dict) and "id" in unit:
                parents[unit["id"]] = unit.get("parent")
    return parents


def known_unit_ids() -> set[str]:
    return set(unit_parents())


def score_routing(case: dict, entry: dict) -> dict[str, Any]:
    """Outcome of one case: `correct`, or the kind of miss.

    Right means: every expected unit is routed and nothing else but the case's `also_ok` units; for an
    out-of-scope case (no expected unit), no unit at all.
    """
    meta = entry.get("meta") or {}
    routed = sorted(set(meta.get("unit_ids") or []))
    result = {"id": case["id"], "message": " / ".join(case["turns"]), "tags": case["tags"],
              "expected": case["expect"], "routed": routed, "intent": meta.get("intent"),
              "confidence": meta.get("confidence"), "declined": meta.get("declined"),
              "needs_age_group": bool(meta.get("needs_age_group")), "error": entry.get("error"),
              "reply": common.reply_text(entry.get("replies"))[:300]}
    allowed = set(case["expect"]) | set(case["also_ok"])
    if entry.get("error"):
        outcome = "error"
    elif not entry.get("meta"):
        outcome = "no_meta"
    elif set(case["expect"]) <= set(routed) and set(routed) <= allowed:
        outcome = "correct"
    elif result["needs_age_group"]:
        outcome = "asked_age_group"
    elif not case["expect"]:
        outcome = "routed_out_of_scope"
    elif not routed:
        outcome = "not_routed"
    else:
        outcome = "wrong_unit"
    result["outcome"] = outcome
    return result


def summarise_routing(results: list[dict]) -> dict[str, Any]:
    by_tag: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        for tag in r["tags"]:
            by_tag[tag].append(r["outcome"] == "correct")
    outcomes = Counter(r["outcome"] for r in results)
    total = len(results)
    in_scope = [r for r in results if r["expected"]]
    return {
        "cases": total,
        "correct": outcomes.get("correct", 0),
        "accuracy": outcomes.get("correct", 0) / total if total else None,
        "accuracy_in_scope": (sum(r["outcome"] == "correct" for r in in_scope) / len(in_scope)
                              if in_scope else None),
        "outcomes": dict(outcomes),
        "asked_age_group": outcomes.get("asked_age_group", 0),
        "by_tag": {tag: {"cases": len(v), "correct": sum(v), "accuracy": sum(v) / len(v)}
                   for tag, v in sorted(by_tag.items())},
        "misses": [r for r in results if r["outcome"] != "correct"],
    }


# --- declining: out-of-domain and in-domain ----------------------------------------------------------

def summarise_declines(ood: list[dict], in_domain: list[dict]) -> dict[str, Any]:
    def share(rows, predicate):
        return sum(1 for r in rows if predicate(r)) / len(rows) if rows else None

    def declined(r):
        return bool((r.get("meta") or {}).get("declined"))

    return {
        "out_of_domain": {
            "messages": len(ood),
            "declined": sum(declined(r) for r in ood),
            "declined_share": share(ood, declined),
            "errors": sum(1 for r in ood if r.get("error")),
            "without_meta": sum(1 for r in ood if not r.get("error") and not r.get("meta")),
            "not_declined_by_predicted_intent": dict(Counter(
                (r.get("meta") or {}).get("intent") or "(no meta)" for r in ood if not declined(r)).most_common()),
            "not_declined_examples": [
                {"message": r["message"], "intent": (r.get("meta") or {}).get("intent"),
                 "confidence": (r.get("meta") or {}).get("confidence"), "error": r.get("error"),
                 "reply": common.reply_text(r.get("replies"))[:300]}
                for r in ood if not declined(r)][:40],
        },
        "in_domain": {
            "messages": len(in_domain),
            "wrongly_declined": sum(declined(r) for r in in_domain),
            "wrongly_declined_share": share(in_domain, declined),
            "errors": sum(1 for r in in_domain if r.get("error")),
            "without_meta": sum(1 for r in in_domain if not r.get("error") and not r.get("meta")),
            # nlu_fallback / out_of_scope: declined by the NLU; any other intent: the action declined
            # (for example a knowledge answer that found nothing to cite)
            "wrongly_declined_by_predicted_intent": dict(Counter(
                (r.get("meta") or {}).get("intent") or "(none)" for r in in_domain if declined(r)).most_common()),
            "wrongly_declined_examples": [
                {"message": r["message"], "intent": r.get("intent"),
                 "predicted": (r.get("meta") or {}).get("intent"),
                 "confidence": (r.get("meta") or {}).get("confidence"),
                 "reply": common.reply_text(r.get("replies"))[:300]}
                for r in in_domain if declined(r)][:40],
        },
    }


# --- conversation tests ------------------------------------------------------------------------------

def story_files(folder: Path = TEST_STORIES) -> list[Path]:
    """The test story files (`rasa test --e2e` reads only files named test_*)."""
    return sorted(list(folder.rglob("test_*.yml")) + list(folder.rglob("test_*.yaml"))) if folder.exists() else []


def subset_story_files(target_dir: Path, per_file: int) -> Path:
    """The first `per_file` test stories of every file of tests/stories/, for smoke runs."""
    common.reset_dir(target_dir)
    for path in story_files():
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        content["stories"] = (content.get("stories") or [])[:per_file]
        (target_dir / path.name).write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True),
                                            encoding="utf-8")
    return target_dir


def run_story_tests(model: Path, out_dir: Path, env: dict[str, str], stories: Path = TEST_STORIES) -> dict[str, Any]:
    """`rasa test core` on tests/stories/ (the bot's action server running); the pass rate is the share
    of test stories whose every predicted action matched."""
    if not story_files():
        return {"skipped": "tests/stories/ holds no test stories"}
    common.reset_dir(out_dir)
    started = time.monotonic()
    # --e2e: the test stories carry user messages, which go through the model's NLU (as in
    # tests/test_conversation_stories.py); Rasa's story evaluation predicts actions but never runs them.
    common.run_logged([common.RASA, "test", "core", "--e2e", "--stories", str(stories), "--model", str(model),
                       "--endpoints", "endpoints.yml", "--out", str(out_dir), "--successes", "--no-plot"],
                      out_dir / "rasa-test-core.log", env=env)
    result = read_story_results(out_dir)
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _story_names(path: Path) -> list[str]:
    if not path.exists():
        return []
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = []
    for story in content.get("stories") or []:
        if isinstance(story, dict):
            # Rasa appends " (<path of the story file>)"; keep the file's name only
            names.append(re.sub(r"\s*\(([^()]*/)?([^()/]+)\)$", r" (\2)", str(story.get("story", "?"))))
    return names


def read_story_results(out_dir: Path) -> dict[str, Any]:
    report = json.loads((out_dir / "story_report.json").read_text())
    conversation = report.get("conversation_accuracy") or {}
    failed = _story_names(out_dir / "failed_test_stories.yml")
    passed = _story_names(out_dir / "successful_test_stories.yml")
    total = conversation.get("total", len(failed) + len(passed))
    correct = conversation.get("correct", len(passed))
    return {
        "stories": total,
        "passed": correct,
        "failed": total - correct,
        "pass_rate": correct / total if total else None,
        "with_warnings": conversation.get("with_warnings"),
        "action_accuracy": report.get("accuracy"),
        "action_f1_weighted": (report.get("weighted avg") or {}).get("f1-score"),
        "failed_stories": failed,
    }


# --- the run -----------------------------------------------------------------------------------------

def evaluate_bot(label: str, model: Path, workdir: Path, cases: list[dict], ood: list[str],
                 in_domain: list[tuple[str, str]], concurrency: int, stories: Path = TEST_STORIES,
                 nlu_file: Path = TEST_NLU, qa_sets: dict[str, list[dict]] | None = None,
                 language_sample: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Everything measured on one model: `rasa test nlu` on the held-out file, then, with the bot running,
    the routing cases, out-of-domain and in-domain messages, the question-answering sets (`qa_sets`: report
    key -> cases, evaluation/question_answering.py), the languages' messages (`language_sample`,
    evaluation/reply_languages.py) and the conversation tests.

    The three load the model in three processes at once (the Rasa CLI tests and the server), which on a
    multi-core machine takes little longer than loading it once; their figures do not depend on speed.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        log(f"{label}: rasa test nlu on {nlu_file.name}, starting the bot")
        nlu_future = pool.submit(run_nlu_test, model, workdir / "nlu", nlu_file)
        with common.start_stack(label, model, workdir / "bot") as stack:
            story_future = pool.submit(run_story_tests, model, workdir / "stories", stack.env(), stories)
            log(f"{label}: {len(cases)} routing cases, {len(ood)} out-of-domain, {len(in_domain)} in-domain "
                "messages; conversation tests")
            started = time.monotonic()
            qa_sets = qa_sets or {}
            language_sample = language_sample or []
            conversations = ([c["turns"] for c in cases] + [[m] for m in ood] + [[t] for _, t in in_domain]
                             + [[c["text"]] for qa_cases in qa_sets.values() for c in qa_cases]
                             + [[message] for _, message in language_sample])
            replies = asyncio.run(common.run_conversations(stack.url, conversations, concurrency=concurrency))
            seconds = time.monotonic() - started
            story_results = story_future.result()
        nlu = nlu_future.result()
    routing_entries = [turns[-1] for turns in replies[: len(cases)]]
    ood_entries = [turns[0] for turns in replies[len(cases): len(cases) + len(ood)]]
    in_domain_entries = [dict(turns[0], intent=intent) for turns, (intent, _)
                         in zip(replies[len(cases) + len(ood):], in_domain)]
    bot = {"routing": summarise_routing([score_routing(case, entry) for case, entry in zip(cases, routing_entries)]),
           "declines": summarise_declines(ood_entries, in_domain_entries),
           "stories": story_results,
           **_score_qa_sets(qa_sets, [turns[-1] for turns in replies[len(cases) + len(ood) + len(in_domain):]]),
           "reply_languages": reply_languages.score(
               language_sample, [turns[-1] for turns in replies[len(replies) - len(language_sample):]]),
           "messages_seconds": round(seconds, 1), "startup": stack.timings}
    return {"nlu": nlu, "bot": bot}


def _score_qa_sets(qa_sets: dict[str, list[dict]], entries: list[dict]) -> dict[str, Any]:
    """Each question-answering set's summary under its report key, from the replies in set order."""
    scored, start = {}, 0
    for key, qa_cases in qa_sets.items():
        scored[key] = question_answering.score_entries(qa_cases, entries[start: start + len(qa_cases)])
        start += len(qa_cases)
    return scored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.quality", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="quick check of the tooling: a few messages and test stories, a one-epoch baseline")
    parser.add_argument("--out", default=str(common.DEFAULT_REPORTS), help="report folder (default: reports/)")
    parser.add_argument("--model", help="our model (file or folder; default: newest in models/)")
    parser.add_argument("--ood", type=int, default=300, help="CLINC out-of-domain messages to send (default 300)")
    parser.add_argument("--in-domain", type=int, default=None,
                        help="held-out in-domain messages to send (default: all of them)")
    parser.add_argument("--routing-cases", default=str(ROUTING_CASES))
    parser.add_argument("--no-baseline", action="store_true", help="evaluate ours only")
    parser.add_argument("--concurrency", type=int, default=4, help="conversations in flight while evaluating")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = common.reset_dir(out / "work" / "eval")
    results: dict[str, Any] = common.run_header("eval", args.smoke)
    results["systems"] = {}

    cases, units = load_routing_cases(Path(args.routing_cases))
    known = known_unit_ids()
    results["routing_units"] = units
    results["config_warnings"] = [f"routing unit id {u!r} ({alias}) is not a unit in knowledge/content/"
                                  for alias, u in units.items() if known and u not in known]
    n_ood = 10 if args.smoke else args.ood
    n_in = 10 if args.smoke else args.in_domain
    if args.smoke:
        cases = smoke_cases(cases)
    qa_sets = {"question_answering": question_answering.load_cases(),
               "question_answering_heldout": question_answering.load_cases(question_answering.HELDOUT_CASES),
               "question_answering_fresh": question_answering.load_cases(question_answering.FRESH_CASES),
               "question_answering_unseen": question_answering.load_cases(question_answering.UNSEEN_CASES)}
    if args.smoke:
        qa_sets = {key: question_answering.smoke_cases(qa_cases) for key, qa_cases in qa_sets.items()}
    language_sample = reply_languages.sample_messages(3 if args.smoke else reply_languages.SAMPLE_PER_LANGUAGE)
    ood, sample_info = common.heldout_out_of_domain(n_ood)
    in_domain = common.heldout_in_domain(TEST_NLU, n_in)
    results["out_of_domain_sample"] = sample_info
    results["clinc_attribution"] = common.CLINC_ATTRIBUTION

    nlu_file = TEST_NLU
    if args.smoke and TEST_NLU.exists():
        nlu_file = subset_nlu_file(TEST_NLU, work / "test_nlu_smoke.yml", per_intent=2)
    stories = TEST_STORIES
    if args.smoke and story_files():
        stories = subset_story_files(work / "stories-smoke", per_file=2)
    results["test_stories"] = str(stories.relative_to(PROJECT_ROOT) if stories.is_relative_to(PROJECT_ROOT) else stories)
    results["nlu_test_file"] = str(nlu_file.relative_to(PROJECT_ROOT) if nlu_file.is_relative_to(PROJECT_ROOT)
                                   else nlu_file)

    models = {"ours": (common.our_model(args.model), PROJECT_ROOT / "config.yml", None)}
    if not args.no_baseline:
        log("training the baseline (rasa init's configuration) on the current domain and data")
        trained = common.train_baseline(out / "models", args.smoke, work / "logs")
        models["baseline"] = (trained.model, trained.config, round(trained.seconds, 1))

    for system, (model, config, train_seconds) in models.items():
        entry: dict[str, Any] = {"model": str(model.relative_to(PROJECT_ROOT) if model.is_relative_to(PROJECT_ROOT) else model),
                                 "config": str(config.relative_to(PROJECT_ROOT) if config.is_relative_to(PROJECT_ROOT) else config)}
        if train_seconds is not None:
            entry["train_seconds"] = train_seconds
        measured = evaluate_bot(system, model, work / system, cases, ood, in_domain, args.concurrency,
                                stories, nlu_file, qa_sets=qa_sets, language_sample=language_sample)
        nlu = measured["nlu"]
        predictions = nlu.pop("predictions", None)
        entry["nlu"] = nlu
        entry["bot"] = measured["bot"]
        # emergencies both ways and unseen CLINC declines, NLU only (evaluation/safety.py), after the bot stopped
        log(f"{system}: emergencies and unseen out-of-domain messages (evaluation/safety.py)")
        entry["safety"] = safety.run_in_subprocess(model, work / system / "safety",
                                                   20 if args.smoke else safety.OOD_MESSAGES)
        if system == "ours":
            log("ours: emergencies in every language (evaluation/safety_languages.py)")
            entry["safety_languages"] = safety_languages.run_in_subprocess(model, work / system / "safety_languages")
            log("ours: understanding per language (evaluation/languages_nlu.py)")
            entry["languages_nlu"] = languages_nlu.run_in_subprocess(model, work / system / "languages_nlu")
        if predictions:
            name = "confusion_matrix.png" if system == "ours" else f"confusion_matrix_{system}.png"
            plot_confusion_matrix(predictions, out / name, f"Intent confusion matrix ({system}, held-out test file)")
            common.write_json(work / system / "nlu" / "predictions.json", predictions)
        results["systems"][system] = entry

    results["summary"] = {system: headline(entry) for system, entry in results["systems"].items()}
    # routing on the knowledge store alone: the same whatever the NLU model, so measured once, for ours
    log("routing of the disease terminology's conditions (evaluation/condition_routing.py)")
    results["condition_routing"] = condition_routing.measure(load_settings().database_url)
    results["summary"]["ours"].update(condition_routing.headline(results["condition_routing"]))
    log("routing per language (evaluation/routing_languages.py)")
    results["routing_languages"] = routing_languages.measure(load_settings().database_url)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    common.write_json(out / "eval.json", results)
    plot_comparison(results, out / "quality.png")
    (out / "eval.md").write_text(render_markdown(results), encoding="utf-8")
    log(f"wrote {out / 'eval.json'}, {out / 'eval.md'} and the plots")
    for warning in results["config_warnings"]:
        log(f"warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
