"""Unit tests of what issue #14 added to `make bench`: the long-conversation figure
(evaluation/turn_cost.py), py-spy profile summaries (evaluation/profiling.py) and the cluster's report
section (evaluation/bench_scaling.py). No trained model, no server."""
from __future__ import annotations

import sys

import pytest

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import bench_scaling, cluster_bench, profiling, turn_cost  # noqa: E402

RAW = """\
process 10:"rasa run";thread (0x1);main (rasa/__main__.py:96);serve (sanic/server/runners.py:37) 50
process 10:"rasa run";thread (0x1);main (rasa/__main__.py:96);handle_message (rasa/core/processor.py:152);retrieve (rasa/core/tracker_store.py:1252);raw_decode (json/decoder.py:353) 30
process 10:"rasa run";thread (0x1);main (rasa/__main__.py:96);handle_message (rasa/core/processor.py:152);predict (/x/.venv/lib/python3.10/site-packages/rasa/core/policies/rule_policy.py:1105) 20
process 10:"rasa run";thread (0x1);main (rasa/__main__.py:96);handle_message (rasa/core/processor.py:152);retrieve (rasa/core/tracker_store.py:1252) 50
"""


def test_the_conversation_never_enters_the_form_and_has_the_asked_length():
    turns = turn_cost.conversation(120)
    assert len(turns) == 120 and turns[0] == "hello"
    assert not any("korea for treatment" in turn.lower() or "inquiry" in turn.lower() for turn in turns)


def test_growth_compares_the_medians_of_the_first_and_last_window():
    latencies = [50.0] * 20 + [70.0] * 80 + [100.0] * 19 + [400.0]
    figures = turn_cost.growth(latencies, window=20)
    assert figures["first_median_ms"] == 50.0 and figures["last_median_ms"] == 100.0
    assert figures["ratio"] == 2.0 and figures["last_turns"] == "101-120"
    assert "2.00x" in turn_cost.describe(figures)
    with pytest.raises(ValueError):
        turn_cost.growth([1.0] * 30, window=20)


def test_a_profile_is_ranked_by_own_and_inclusive_time_without_idle_samples():
    summary = profiling.summarise(RAW, top=5)
    assert summary["samples"] == 100 and summary["idle_samples"] == 50
    own = {row["function"]: row["share"] for row in summary["own"]}
    assert own["retrieve (rasa/core/tracker_store.py)"] == 0.5
    assert own["raw_decode (json/decoder.py)"] == 0.3
    assert own["predict (rasa/core/policies/rule_policy.py)"] == 0.2   # site-packages path shortened
    inclusive = {row["function"]: row["share"] for row in summary["inclusive"]}
    assert inclusive["retrieve (rasa/core/tracker_store.py)"] == 0.8
    # what every sample passes through says nothing and is left out
    assert "main (rasa/__main__.py)" not in inclusive and "handle_message (rasa/core/processor.py)" not in inclusive
    table = "\n".join(profiling.markdown(summary, "rasa server"))
    assert "| 50.0 % | `retrieve (rasa/core/tracker_store.py)` |" in table


def test_a_failed_profile_is_reported_not_raised():
    assert "not recorded" in "\n".join(profiling.markdown({"error": "py-spy exit code 1: denied"}, "x"))


def test_consecutive_free_ports_are_free():
    base = cluster_bench.free_port_run(3)
    assert all(cluster_bench._free(port) for port in range(base, base + 3))


def level(concurrency: int, rate: float, p50: float, p95: float, errors: int = 0) -> dict:
    return {"concurrency": concurrency, "messages_per_second": rate, "errors": errors,
            "latency_ms": {"p50": p50, "p95": p95}, "cpu": {"other_share": 0.05}}


def test_the_cluster_section_sets_both_systems_side_by_side():
    results = {
        "systems": {"ours": {"levels": [level(1, 12, 70, 90), level(10, 18.0, 500, 745), level(50, 18.0, 2500, 3600)]}},
        "cluster": {"rasa_replicas": 2, "action_replicas": 2, "peak_rss_bytes": {"rasa_server_1": 1024 * 2**20},
                    "levels": [level(10, 36.0, 250, 400), level(50, 34.0, 1300, 1900, errors=1)]},
        "turn_cost": turn_cost.growth([60.0] * 100 + [66.0] * 20),
        "profile": {"seconds": 8, "concurrency": 10,
                    "processes": {"rasa_server": profiling.summarise(RAW), "action_server": {"error": "no py-spy"}}},
    }
    rows = bench_scaling.cluster_rows(results["systems"]["ours"], results["cluster"])
    assert [row["concurrency"] for row in rows] == [10, 50]
    assert rows[0]["speed_up"] == 2.0 and rows[1]["cluster_errors"] == 1
    markdown = "\n".join(bench_scaling.markdown(results))
    assert "| 10 | 18.0 | 36.0 | 2.00 |" in markdown
    assert "(1.10x)" in markdown and "## Where a loaded server spends its time" in markdown
    assert "| rasa server 1 | 1024 MB |" in markdown
    printed = "\n".join(bench_scaling.summary_lines(results))
    assert "1.10x" in printed and "@50: 1 process 18.0 msg/s" in printed and "errors 0 / 1, no answer 0 / 0" in printed


def test_a_cluster_that_could_not_run_says_why():
    results = {"systems": {"ours": {"levels": []}}, "cluster": {"skipped": "nginx is not installed"}}
    assert "Not measured: nginx is not installed" in "\n".join(bench_scaling.markdown(results))
    assert bench_scaling.summary_lines(results) == ["cluster not measured: nginx is not installed"]


def test_the_turn_cost_plot_is_written_only_when_measured(tmp_path):
    figures = turn_cost.growth([60.0 + (turn % 7) for turn in range(120)])
    assert bench_scaling.plot_turn_cost(figures, tmp_path / "turn_cost.png")
    assert (tmp_path / "turn_cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not bench_scaling.plot_turn_cost({"error": "no answer"}, tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
