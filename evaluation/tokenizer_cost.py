"""The script-aware tokenizer's costs (nlu_components/script_tokenizer.py): the one-off load of each
analyser (jieba for Han, kiwipiepy for Hangul) and the per-message cost of each script.

    python -m evaluation.tokenizer_cost [--repeat 5] [--json]

Run it as its own process: the analysers load once per process, so the load times printed are those a
Rasa server pays (Rasa and the component are imported first and not counted). Per message: the
component's `tokenize` on the emergency evaluation cases of each language (evaluation/emergency_cases_
<lang>.yml, red flags and near misses) and on the English training sentences (data/nlu/*.yml), beside
WhitespaceTokenizer on the same messages. Wall-clock figures, which a busy machine inflates; the load
also gives CPU seconds and the process's resident memory added.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CASE_LANGUAGES = ("ko", "zh", "ru", "mn", "ar")


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def language_messages() -> dict[str, list[str]]:
    """Sample messages per language: the emergency cases for five, the English NLU training data."""
    from rasa.shared.nlu.training_data.loading import load_data

    messages: dict[str, list[str]] = {}
    for language in CASE_LANGUAGES:
        cases = yaml.safe_load((PROJECT_ROOT / "evaluation" / f"emergency_cases_{language}.yml")
                               .read_text(encoding="utf-8"))
        messages[language] = [case["text"] for group in cases.values() for case in group]
    english = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        english += [m.get("text") for m in load_data(str(path)).training_examples if m.get("text")]
    messages["en"] = english
    return messages


def measure(repeat: int = 5) -> dict[str, Any]:
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    from nlu_components import script_tokenizer
    from nlu_components.script_tokenizer import ScriptAwareTokenizer

    messages = language_messages()
    load: dict[str, dict[str, float]] = {}
    for script in ("han", "hangul"):
        rss, cpu, wall = _rss_mb(), time.process_time(), time.perf_counter()
        script_tokenizer.analyser(script)
        load[script] = {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu,
                        "added_rss_mb": _rss_mb() - rss}

    ours = ScriptAwareTokenizer(ScriptAwareTokenizer.get_default_config())
    whitespace = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    per_language: dict[str, dict[str, float]] = {}
    for language, texts in messages.items():
        figures: dict[str, float] = {"messages": len(texts)}
        for name, tokenizer in (("script_aware", ours), ("whitespace", whitespace)):
            costs = []
            cpu = time.process_time()
            for _ in range(repeat):
                for text in texts:
                    started = time.perf_counter()
                    tokenizer.tokenize(Message(data={"text": text}), "text")
                    costs.append((time.perf_counter() - started) * 1000)
            figures[f"{name}_cpu_mean_ms"] = (time.process_time() - cpu) * 1000 / len(costs)
            figures[f"{name}_median_ms"] = statistics.median(costs)
            figures[f"{name}_mean_ms"] = statistics.fmean(costs)
            figures[f"{name}_p95_ms"] = sorted(costs)[int(0.95 * (len(costs) - 1))]
        per_language[language] = figures
    return {"load": load, "per_message": per_language, "repeat": repeat}


def report(figures: dict[str, Any]) -> str:
    lines = ["analyser load (once per process):"]
    for script, load in figures["load"].items():
        line = f"  {script:<7} {load['seconds']:.2f} s wall"
        if "cpu_seconds" in load:
            line += f", {load['cpu_seconds']:.2f} s CPU, +{load['added_rss_mb']:.0f} MB resident"
        lines.append(line)
    lines.append(f"per message (ms; {figures['repeat']} passes over each language's messages; wall-clock "
                 "median, mean, p95, and CPU mean):")
    lines.append(f"  {'lang':<5}{'msgs':>6}{'median':>9}{'mean':>8}{'p95':>8}{'CPU':>8}"
                 "   whitespace tokenizer: median, CPU mean")
    for language, f in figures["per_message"].items():
        lines.append(f"  {language:<5}{int(f['messages']):>6}{f['script_aware_median_ms']:>9.3f}"
                     f"{f['script_aware_mean_ms']:>8.3f}{f['script_aware_p95_ms']:>8.3f}"
                     f"{f['script_aware_cpu_mean_ms']:>8.3f}"
                     f"   {f['whitespace_median_ms']:.3f}, {f['whitespace_cpu_mean_ms']:.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    arguments = parser.parse_args()
    figures = measure(arguments.repeat)
    print(json.dumps(figures, indent=2) if arguments.json else report(figures))


if __name__ == "__main__":
    main()
