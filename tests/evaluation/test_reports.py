"""`make eval` and `make bench` in their smoke modes, against the real trained model in models/: the
reports are produced and well formed. (The full runs are not part of `make test`.)

Each smoke run starts its own bots (ours and a one-epoch baseline) on free ephemeral ports, never on the
test suite's 5105/5155, with their own SQLite databases, and writes into a temporary folder.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` (and `tests`) are not installed packages
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import quality  # noqa: E402
from tests.conftest import skip_or_fail  # noqa: E402

pytestmark = pytest.mark.servers

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_smoke(module: str, out: Path, *options: str) -> None:
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-m", module, "--smoke", "--out", str(out), *options], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"{module} --smoke failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def eval_reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval-reports")
    run_smoke("evaluation.quality", out)
    return out


@pytest.fixture(scope="module")
def bench_reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench-reports")
    # The baseline's path through the load test is the same code as ours (and the smoke run of
    # evaluation.quality trains and serves the baseline end to end); its comparison table is
    # unit-tested. Leaving it out here saves a training and a bot start.
    run_smoke("evaluation.bench", out, "--no-baseline")
    return out


def assert_png(path: Path) -> None:
    assert path.exists(), f"{path.name} was not written"
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path.name} is not a PNG"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 300 and height >= 300, (width, height)
    assert data.rstrip().endswith(b"IEND\xaeB`\x82"), f"{path.name} is truncated"


def is_share(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and 0 <= value <= 1 and not math.isnan(value))


def assert_markdown_table(markdown: str, header: str) -> None:
    lines = markdown.splitlines()
    assert header in lines, f"missing table {header!r}"
    index = lines.index(header)
    assert set(lines[index + 1].replace("|", "").split()) == {"---"}, "header row not followed by a separator"
    assert lines[index + 2].startswith("| "), "table without rows"


# --- make eval --smoke -------------------------------------------------------------------------------

def test_eval_json_has_every_figure_for_both_systems(eval_reports):
    report = json.loads((eval_reports / "eval.json").read_text())
    assert report["kind"] == "eval" and report["smoke"] is True
    assert set(report["systems"]) == {"ours", "baseline"}
    assert set(report["summary"]["ours"]) == set(quality.HEADLINE_LABELS)
    for system, figures in report["summary"].items():
        assert all(is_share(v) for v in figures.values()), (system, figures)
    assert "CC BY 3.0" in report["clinc_attribution"]
    assert not report["config_warnings"]
    for system, entry in report["systems"].items():
        bot = entry["bot"]
        routing = bot["routing"]
        assert routing["cases"] == 8 and sum(routing["outcomes"].values()) == 8
        assert routing["outcomes"].get("error", 0) == 0, routing["misses"]
        assert is_share(routing["accuracy"])
        assert len(routing["misses"]) == 8 - routing["correct"]
        ood, in_domain = bot["declines"]["out_of_domain"], bot["declines"]["in_domain"]
        assert ood["messages"] == 10 and ood["errors"] == 0
        assert 0 <= ood["declined"] <= 10
        assert in_domain["errors"] == 0
        assert bot["startup"]["rasa_first_answer_s"] > 0


def test_eval_nlu_figures_when_the_held_out_file_exists(eval_reports):
    report = json.loads((eval_reports / "eval.json").read_text())
    if not quality.TEST_NLU.exists():
        assert "skipped" in report["systems"]["ours"]["nlu"]
        return
    for system in ("ours", "baseline"):
        intents = report["systems"][system]["nlu"]["intents"]
        assert intents["examples"] > 0 and is_share(intents["accuracy"])
        for avg in ("macro_avg", "weighted_avg"):
            assert all(is_share(intents[avg][m]) for m in ("precision", "recall", "f1-score"))
        assert intents["per_intent"]
        for pair in intents["worst_confused_pairs"]:
            assert pair["intent"] != pair["predicted"] and pair["count"] >= 1
    assert_png(eval_reports / "confusion_matrix.png")
    assert_png(eval_reports / "confusion_matrix_baseline.png")


def test_eval_story_figures_when_test_stories_exist(eval_reports):
    report = json.loads((eval_reports / "eval.json").read_text())
    stories = report["systems"]["ours"]["bot"]["stories"]
    if not quality.story_files():
        assert "skipped" in stories
        return
    assert stories["stories"] > 0 and is_share(stories["pass_rate"])
    assert stories["passed"] + stories["failed"] == stories["stories"]


def test_eval_markdown_and_plots(eval_reports):
    markdown = (eval_reports / "eval.md").read_text()
    assert markdown.startswith("# Quality report")
    assert_markdown_table(markdown, "| figure | ours | baseline | ours − baseline |")
    assert_markdown_table(markdown, "| figure | ours | baseline |")
    assert "## Routing" in markdown and "## Declining out-of-domain messages" in markdown
    assert "Creative Commons Attribution 3.0" in markdown
    assert_png(eval_reports / "quality.png")


# --- make bench --smoke ------------------------------------------------------------------------------

def test_bench_json_has_every_figure(bench_reports):
    report = json.loads((bench_reports / "bench.json").read_text())
    assert report["kind"] == "bench" and report["smoke"] is True
    assert set(report["systems"]) == {"ours"} and report["ratios"] == []
    entry = report["systems"]["ours"]
    (level,) = entry["levels"]
    assert level["concurrency"] == 2 and level["conversations"] == 3
    assert level["messages"] >= 9 and level["errors"] == 0, level
    assert level["messages_per_second"] > 0
    latency = level["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"] < 30_000
    assert 0 <= level["cpu"]["other_share"] <= 1 and level["cpu"]["rasa_server_cores"] > 0
    memory = entry["memory"]["peak_rss_bytes"]
    assert memory["rasa_server"] > 150 * 2**20, "a Rasa server takes well over 150 MB"
    assert memory["action_server"] > 20 * 2**20
    startup = entry["startup"]
    assert 0 < startup["rasa_ready_s"] <= startup["rasa_first_answer_s"] < 300
    assert entry["model_bytes"] > 0
    assert report["training"] == {"skipped": "--smoke"}  # the timed training is unit-tested
    assert set(report["targets"]) == {"p95_under_150ms_at_10", "no_errors_at_50", "training_under_5_min"}
    assert all(target["met"] is None for target in report["targets"].values())  # no level 10 or 50 in smoke


def test_bench_markdown_and_plot(bench_reports):
    markdown = (bench_reports / "bench.md").read_text()
    assert markdown.startswith("# Speed and cost report")
    assert_markdown_table(markdown, "| target | value | met |")
    assert_markdown_table(markdown, "| system | concurrent | conversations | messages | msg/s | p50 ms | p95 ms "
                                    "| p99 ms | max ms | errors | empty replies | Rasa cores | actions cores "
                                    "| other CPU use |")
    assert_markdown_table(markdown, "| figure | ours |")
    assert_png(bench_reports / "latency.png")


def test_bench_smoke_measures_start_up_matcher_and_turn_cost(bench_reports):
    report = json.loads((bench_reports / "bench.json").read_text())
    matcher = report["matcher"]
    assert matcher["before"]["vocabulary"] == "curated" and matcher["after"]["vocabulary"] == "full"
    assert matcher["before"]["conditions"] < matcher["after"]["conditions"], "the terminology adds conditions"
    for side in ("before", "after"):
        assert 0 < matcher[side]["build_cpu_s"] <= matcher[side]["component_startup_cpu_s"]
        assert 0 < matcher[side]["per_message_cpu_ms"] < 100
    action = report["action_server_startup"]
    assert "skipped" not in action, action
    assert 0 < action["before"]["median_s"] < 120 and 0 < action["after"]["median_s"] < 120
    growth = report["turn_cost"]["ours"]
    assert growth["turns"] == 40 and len(growth["latencies_ms"]) == 40 and growth["ratio"] > 0
    assert "scaling" not in report, "--smoke leaves the cluster out"
    markdown = (bench_reports / "bench.md").read_text()
    assert_markdown_table(markdown, "| figure | before | after | after / before | note |")
    assert_markdown_table(markdown, "| system | turns | median ms, first 20 | median ms, last 20 | last / first |")
    assert_png(bench_reports / "turn_cost.png")
