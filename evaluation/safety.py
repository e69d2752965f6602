"""Emergencies both ways, and out-of-domain declines on CLINC messages the bot never trained on.

    python -m evaluation.safety [--model PATH] [--ood 800] [--seed 2026] [--json out.json] [--no-in-domain]

NLU only: the trained model's whole pipeline (classifier, guards, SafetyGuard last) parses every message
in-process (`evaluation.entities.parse_messages`); no bot has to run. Reports:

- **emergencies**: the share of `evaluation/emergency_cases.yml`'s red flags classified `emergency`
  (recall) and the share of its near misses classified `emergency` (escalation), every miss listed;
- **out of domain**: `--ood` CLINC `out_of_domain` messages in no training file and not about health
  (the pool `evaluation.quality`'s declining figure samples: `common.heldout_out_of_domain`), drawn with
  their own seed: the share declined by the NLU (`out_of_scope` or `nlu_fallback`, the two intents whose
  answer declines), what the others were claimed as, and the **emergency false alarms** with examples;
- **in domain**: the held-out test messages (tests/nlu/test_nlu.yml, intents other than out_of_scope)
  the NLU declines, as `evaluation.quality` reports them end to end.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import yaml

from evaluation import common
from evaluation.common import PROJECT_ROOT

CASES_FILE = common.EVALUATION_DIR / "emergency_cases.yml"
TEST_NLU = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
# the NLU's two ways of declining: the classifier's out_of_scope and the low-confidence fallback
DECLINING_INTENTS = frozenset({"out_of_scope", "nlu_fallback"})
# An out-of-domain message about care that asks what the pages never say ("the opening hours of the
# international clinic?") is answered "the pages give no information on it" with a coordinator and no fact:
# for an out-of-domain message that is a decline too.
OUT_OF_DOMAIN_DECLINES = DECLINING_INTENTS | {"ask_not_in_pages"}
OOD_MESSAGES = 800
# not quality.py's seed (13): these 800 are a second, independent draw from the same unseen pool
OOD_SEED = 2026
EXAMPLES = 40

Parser = Callable[[list[str]], list[dict[str, Any]]]


def load_cases(path: Path = CASES_FILE) -> dict[str, list[dict[str, str]]]:
    """{"red_flags": [...], "near_misses": [...]}, each case {"text", "kind"}; a malformed file fails loudly."""
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = {}
    for group in ("red_flags", "near_misses"):
        rows = content.get(group) or []
        for row in rows:
            if not isinstance(row, dict) or not str(row.get("text") or "").strip() or not row.get("kind"):
                raise ValueError(f"{path}: {group} entry {row!r} needs a text and a kind")
        cases[group] = [{"text": str(row["text"]).strip(), "kind": str(row["kind"])} for row in rows]
    return cases


def _intent(parsed: dict[str, Any]) -> tuple[str | None, float | None]:
    intent = parsed.get("intent") or {}
    return intent.get("name"), intent.get("confidence")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score_emergencies(cases: dict[str, list[dict]], parses: dict[str, dict]) -> dict[str, Any]:
    """Recall on the red flags, escalation on the near misses, every miss with what it was classified as."""
    def rows(group: str, wanted: bool) -> tuple[list[dict], list[dict]]:
        all_rows, misses = [], []
        for case in cases[group]:
            intent, confidence = _intent(parses[case["text"]])
            row = {**case, "intent": intent, "confidence": confidence}
            all_rows.append(row)
            if (intent == "emergency") != wanted:
                misses.append(row)
        return all_rows, misses

    flags, missed = rows("red_flags", True)
    near, escalated = rows("near_misses", False)

    def by_kind(all_rows: list[dict], bad: list[dict]) -> dict[str, dict[str, int]]:
        totals, bads = Counter(r["kind"] for r in all_rows), Counter(r["kind"] for r in bad)
        return {kind: {"cases": totals[kind], "wrong": bads[kind]} for kind in sorted(totals)}

    return {
        "red_flags": len(flags),
        "recognised": len(flags) - len(missed),
        "recall": _share(len(flags) - len(missed), len(flags)),
        "missed": missed,
        "red_flags_by_kind": by_kind(flags, missed),
        "near_misses": len(near),
        "escalated": len(escalated),
        "escalation_rate": _share(len(escalated), len(near)),
        "escalated_cases": escalated,
        "near_misses_by_kind": by_kind(near, escalated),
    }


def score_out_of_domain(texts: list[str], parses: dict[str, dict]) -> dict[str, Any]:
    """Declined share, what the rest were claimed as, and the emergency false alarms."""
    claimed = [(text, *_intent(parses[text])) for text in texts]
    not_declined = [(t, i, c) for t, i, c in claimed if i not in OUT_OF_DOMAIN_DECLINES]
    alarms = [{"message": t, "confidence": c} for t, i, c in claimed if i == "emergency"]
    return {
        "messages": len(texts),
        "declined": len(texts) - len(not_declined),
        "declined_share": _share(len(texts) - len(not_declined), len(texts)),
        "claimed_by_intent": dict(Counter(i or "(none)" for _, i, _ in not_declined).most_common()),
        "claimed_examples": [{"message": t, "intent": i, "confidence": c} for t, i, c in not_declined][:EXAMPLES],
        "emergency_false_alarms": len(alarms),
        "emergency_false_alarm_share": _share(len(alarms), len(texts)),
        "emergency_false_alarm_examples": alarms[:EXAMPLES],
    }


def score_in_domain(examples: list[tuple[str, str]], parses: dict[str, dict]) -> dict[str, Any]:
    """Held-out in-domain messages the NLU declines, and red flags or ordinary ones mistaken for each other."""
    declined = []
    for intent, text in examples:
        predicted, confidence = _intent(parses[text])
        if predicted in DECLINING_INTENTS:
            declined.append({"message": text, "intent": intent, "predicted": predicted, "confidence": confidence})
    emergencies = [text for intent, text in examples if intent == "emergency"]
    others = [(intent, text) for intent, text in examples if intent != "emergency"]
    return {
        "messages": len(examples),
        "wrongly_declined": len(declined),
        "wrongly_declined_share": _share(len(declined), len(examples)),
        "wrongly_declined_by_true_intent": dict(Counter(d["intent"] for d in declined).most_common()),
        "wrongly_declined_examples": declined[:EXAMPLES],
        "held_out_emergencies": len(emergencies),
        "held_out_emergencies_recognised": sum(_intent(parses[t])[0] == "emergency" for t in emergencies),
        "held_out_others_called_emergency": [{"message": t, "intent": i} for i, t in others
                                             if _intent(parses[t])[0] == "emergency"],
    }


def measure(parse: Parser, cases: dict[str, list[dict]], ood: list[str],
            in_domain: list[tuple[str, str]]) -> dict[str, Any]:
    """Every figure, with one parse of each distinct message (`parse`: texts -> parse results in order)."""
    texts = list(dict.fromkeys([c["text"] for group in cases.values() for c in group] + list(ood)
                               + [t for _, t in in_domain]))
    parses = dict(zip(texts, parse(texts)))
    return {
        "emergencies": score_emergencies(cases, parses),
        "out_of_domain": score_out_of_domain(ood, parses),
        "in_domain": score_in_domain(in_domain, parses),
    }


def run(model: Path, ood_messages: int = OOD_MESSAGES, seed: int = OOD_SEED, in_domain: bool = True,
        cases_file: Path = CASES_FILE) -> dict[str, Any]:
    """Load `model` in this process and measure everything on it."""
    from evaluation.entities import parse_messages

    ood, sample = common.heldout_out_of_domain(ood_messages, seed=seed)
    held_out = common.heldout_in_domain(TEST_NLU) if in_domain else []
    figures = measure(lambda texts: parse_messages(model, texts), load_cases(cases_file), ood, held_out)
    figures["out_of_domain"]["sample"] = sample
    figures["model"] = str(model)
    return figures


def run_in_subprocess(model: Path, out_dir: Path, ood_messages: int = OOD_MESSAGES) -> dict[str, Any]:
    """`run` in a child process (as `make eval` runs each measurement, so one model's memory is freed
    before the next loads); the figures, or {"error": ...} with the log's path when it failed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "safety.json"
    target.unlink(missing_ok=True)
    try:
        common.run_logged([common.PYTHON, "-m", "evaluation.safety", "--model", str(model), "--ood",
                           str(ood_messages), "--json", str(target)], out_dir / "safety.log")
        return json.loads(target.read_text(encoding="utf-8"))
    except Exception as error:  # a failed measurement is reported, it never loses the rest of the report
        return {"error": f"{type(error).__name__}: {error} (see {out_dir / 'safety.log'})"}


HEADLINE_LABELS = {
    "emergency_recall": ("Emergencies: red flags of emergency_cases.yml recognised", True),
    "near_miss_escalation": ("Emergencies: near misses escalated (aim ≤ 5 %)", False),
    "unseen_ood_declined": ("Unseen CLINC out-of-domain messages declined by the NLU", True),
    "unseen_ood_emergency": ("Unseen CLINC out-of-domain messages called an emergency", False),
}


def headline(figures: dict[str, Any] | None) -> dict[str, float | None]:
    """The summary table's figures (shares in 0..1; None when the measurement failed or did not run)."""
    if not figures or "error" in figures:
        return {key: None for key in HEADLINE_LABELS}
    return {"emergency_recall": figures["emergencies"]["recall"],
            "near_miss_escalation": figures["emergencies"]["escalation_rate"],
            "unseen_ood_declined": figures["out_of_domain"]["declined_share"],
            "unseen_ood_emergency": figures["out_of_domain"]["emergency_false_alarm_share"]}


def render_markdown(per_system: dict[str, dict[str, Any] | None]) -> list[str]:
    """eval.md's section: figures side by side, then ours' misses, escalations and false alarms in full."""
    systems = [s for s, f in per_system.items() if f]
    lines = ["## Emergencies both ways, and unseen out-of-domain messages (NLU only)", ""]
    failed = [f"{s}: {per_system[s]['error']}" for s in systems if "error" in per_system[s]]
    systems = [s for s in systems if "error" not in per_system[s]]
    lines += [f"Failed: {message}" for message in failed] + ([""] if failed else [])
    if not systems:
        return lines
    fig = {s: per_system[s] for s in systems}
    sample = fig[systems[0]]["out_of_domain"].get("sample") or {}
    pct = lambda v: common.fmt(v, percent=True)  # noqa: E731
    lines += ["Each model's whole NLU pipeline parses `evaluation/emergency_cases.yml` (red flags, near misses), "
              f"{sample.get('sampled')} CLINC out-of-domain messages in no training file (seed {sample.get('seed')}, "
              f"pool {sample.get('pool')}; the declining section's pool, drawn again) and the held-out in-domain "
              "messages. Declined: `out_of_scope` or `nlu_fallback`, or `ask_not_in_pages` (the pages give no "
              "information on it, and a coordinator).", "",
              common.md_table(["figure"] + systems, [
                  ["red flags recognised"] + [f"{fig[s]['emergencies']['recognised']}/{fig[s]['emergencies']['red_flags']}"
                                              f" ({pct(fig[s]['emergencies']['recall'])})" for s in systems],
                  ["near misses escalated"] + [f"{fig[s]['emergencies']['escalated']}/{fig[s]['emergencies']['near_misses']}"
                                               f" ({pct(fig[s]['emergencies']['escalation_rate'])})" for s in systems],
                  ["out-of-domain declined"] + [f"{fig[s]['out_of_domain']['declined']}/{fig[s]['out_of_domain']['messages']}"
                                                f" ({pct(fig[s]['out_of_domain']['declined_share'])})" for s in systems],
                  ["out-of-domain called an emergency"] + [str(fig[s]["out_of_domain"]["emergency_false_alarms"])
                                                           for s in systems],
                  ["in-domain declined by the NLU"] + [f"{fig[s]['in_domain']['wrongly_declined']}/{fig[s]['in_domain']['messages']}"
                                                       f" ({pct(fig[s]['in_domain']['wrongly_declined_share'])})" for s in systems],
              ]), ""]
    for s in systems:
        e, o = fig[s]["emergencies"], fig[s]["out_of_domain"]
        rows = ([["red flag missed", m["kind"], m["text"], m["intent"]] for m in e["missed"]]
                + [["near miss escalated", m["kind"], m["text"], m["intent"]] for m in e["escalated_cases"]]
                + [["out-of-domain called emergency", "", a["message"], "emergency"]
                   for a in o["emergency_false_alarm_examples"]])
        lines += [f"Every emergency mistake ({s}):", "",
                  common.md_table(["mistake", "kind", "message", "intent"], rows) if rows else "None.", "",
                  f"Out-of-domain messages {s} claimed, by intent: "
                  + (", ".join(f"{i} {n}" for i, n in o["claimed_by_intent"].items()) or "none"), ""]
    return lines


def summary_lines(figures: dict[str, Any]) -> list[str]:
    """A few printable lines: the headline figures and every emergency miss."""
    e, o, i = figures["emergencies"], figures["out_of_domain"], figures["in_domain"]
    pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"  # noqa: E731
    lines = [f"emergency recall: {e['recognised']}/{e['red_flags']} ({pct(e['recall'])})",
             f"near misses escalated: {e['escalated']}/{e['near_misses']} ({pct(e['escalation_rate'])})",
             f"out-of-domain declined: {o['declined']}/{o['messages']} ({pct(o['declined_share'])}); "
             f"emergency false alarms: {o['emergency_false_alarms']}",
             f"out-of-domain claimed as: {o['claimed_by_intent']}",
             f"in-domain wrongly declined (NLU): {i['wrongly_declined']}/{i['messages']} "
             f"({pct(i['wrongly_declined_share'])}); held-out emergencies recognised "
             f"{i['held_out_emergencies_recognised']}/{i['held_out_emergencies']}"]
    lines += [f"  MISSED red flag [{m['kind']}]: {m['text']!r} -> {m['intent']}" for m in e["missed"]]
    lines += [f"  ESCALATED near miss [{m['kind']}]: {m['text']!r}" for m in e["escalated_cases"]]
    lines += [f"  FALSE ALARM (ood): {a['message']!r}" for a in o["emergency_false_alarm_examples"]]
    lines += [f"  in-domain called emergency: {r['message']!r} ({r['intent']})"
              for r in i["held_out_others_called_emergency"]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.safety", description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model file or folder (default: newest in models/)")
    parser.add_argument("--ood", type=int, default=OOD_MESSAGES, help=f"CLINC messages (default {OOD_MESSAGES})")
    parser.add_argument("--seed", type=int, default=OOD_SEED)
    parser.add_argument("--no-in-domain", action="store_true", help="skip the held-out in-domain messages")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    figures = run(common.our_model(args.model), args.ood, args.seed, not args.no_in_domain)
    if args.json:
        common.write_json(args.json, figures)
    print("\n".join(summary_lines(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
