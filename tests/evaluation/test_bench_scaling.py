"""Unit tests of what issues #13 and #14 added to `make bench`: the long-conversation figure
(evaluation/turn_cost.py), py-spy profile summaries (evaluation/profiling.py), the sections and plots of
1, 2 and 3 Rasa processes, Sanic workers and start-up before and after the terminology
(evaluation/scaling_report.py), and their helpers. No trained model, no server."""
from __future__ import annotations

import sys

import pytest

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import (bench_scaling, cluster_bench, matcher_cost, profiling, scaling_report,  # noqa: E402
                        startup, stats, turn_cost)
from stack.processes import Service  # noqa: E402

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


def level(concurrency: int, rate: float, p50: float, p95: float, errors: int = 0, other: float = 0.05,
          cores: dict | None = None) -> dict:
    return {"concurrency": concurrency, "messages_per_second": rate, "errors": errors, "empty_replies": 0,
            "latency_ms": {"p50": p50, "p95": p95}, "cpu": {"other_share": other, **(cores or {})}}


def cluster(processes: int, rates: tuple, p95s: tuple, workers: int = 1) -> dict:
    return {"rasa_replicas": processes, "action_replicas": 2, "sanic_workers": workers,
            "idle_rss_bytes": {"rasa_server_1": 900 * 2**20},
            "peak_rss_bytes": {"rasa_server_1": 1024 * 2**20, "load_balancer": 5 * 2**20},
            "levels": [level(c, r, p / 2, p, cores={"rasa_server_1_cores": 0.9}) for c, r, p in zip((1, 10, 50), rates, p95s)]}


def results() -> dict:
    single = {"memory": {"idle_rss_bytes": {"rasa_server": 800 * 2**20}, "peak_rss_bytes": {"rasa_server": 850 * 2**20}},
              "levels": [level(1, 12, 70, 90), level(10, 18.0, 500, 745, other=0.25), level(50, 18.0, 2500, 3600)]}
    return {
        "load": {"levels": [1, 10, 50]},
        "systems": {"ours": single, "baseline": {**single, "levels": [level(1, 6, 140, 180), level(10, 9, 1000, 1500),
                                                                      level(50, 9, 5000, 7000, errors=2)]}},
        "scaling": {"process_counts": [1, 2], "action_replicas": 2, "sanic_workers": 2, "configurations": {
            "1 Rasa process": cluster(1, (11.0, 17.0, 17.0), (95, 760, 3700)),
            "2 Rasa processes": cluster(2, (11.0, 30.0, 34.0), (95, 420, 1900)),
            "3 Rasa processes": {"rasa_replicas": 3, "skipped": "failed: TimeoutError\nlast lines of the log"},
            "1 Rasa process, 2 Sanic workers each": cluster(1, (11.0, 16.0, 15.3), (99, 800, 4100), workers=2)}},
        "turn_cost": {"ours": turn_cost.growth([60.0] * 100 + [66.0] * 20),
                      "baseline": {"error": "RuntimeError: HTTP 500"}},
        "matcher": matcher_cost.compare(
            {"vocabulary": "curated", "conditions": 74, "component_startup_s": 2.0, "component_startup_cpu_s": 1.5,
             "build_s": 0.5, "build_cpu_s": 0.4, "per_message_ms": 0.4, "per_message_cpu_ms": 0.3},
            {"vocabulary": "full", "conditions": 2031, "component_startup_s": 3.0, "component_startup_cpu_s": 2.25,
             "build_s": 1.5, "build_cpu_s": 1.2, "per_message_ms": 0.5, "per_message_cpu_ms": 0.6}),
        "action_server_startup": {"before": {"median_s": 2.0, "starts_s": [2.0, 2.1, 1.9], "revision": "05e63ae"},
                                  "after": {"median_s": 2.5, "starts_s": [2.5, 2.4, 2.6], "revision": "this checkout"}},
        "profile": {"seconds": 8, "concurrency": 10,
                    "processes": {"rasa_server": profiling.summarise(RAW), "action_server": {"error": "no py-spy"}}},
    }


def test_every_configuration_gets_throughput_and_p95_at_every_level():
    figures = results()
    configs = scaling_report.configurations(figures)
    assert list(configs)[:2] == ["ours, 1 process (make run)", "baseline (rasa init), 1 process"]
    rows = {row[0]: row for row in scaling_report.level_table(configs, [1, 10, 50])}
    # msg/s and p95 at 1, 10, 50; speed-up at 50 over the cluster's first configuration
    assert rows["ours, 2 Rasa processes (cluster)"][1:8] == ["11.0", "95", "30.0", "420", "34.0", "1900", "2.00"]
    assert rows["baseline (rasa init), 1 process"][7:9] == ["0.53", "2 / 0"]
    assert rows["ours, 1 process (make run)"][9] == "25.0 %", "the worst other-CPU share of its levels"
    assert rows["ours, 3 Rasa processes (cluster)"][-1] == "not measured: failed: TimeoutError"
    markdown = "\n".join(scaling_report.scaling_section(figures))
    assert "| configuration | msg/s @1 | p95 ms @1 | msg/s @10 | p95 ms @10 | msg/s @50 | p95 ms @50 |" in markdown
    assert "| ours, 2 Rasa processes (cluster) | rasa server 1 | 900 MB | 1024 MB | 0.90 / 0.90 / 0.90 |" in markdown
    assert "| ours, 1 process (make run) | rasa server | 800 MB | 850 MB |" in markdown


def test_the_sanic_workers_verdict_compares_with_one_worker():
    verdict = scaling_report.sanic_workers_verdict(scaling_report.configurations(results()))
    assert verdict.startswith("1 Rasa process, 2 Sanic workers each (cluster) against one worker")
    assert "@50: 0.90x throughput, p95 3700 -> 4100 ms" in verdict


def test_turn_cost_of_both_systems_and_what_failed():
    markdown = "\n".join(scaling_report.turn_cost_section(results()))
    assert "| ours | 120 | 60 | 66 | 1.10x |" in markdown
    assert "| baseline | – | – | – | not measured: RuntimeError: HTTP 500 |" in markdown


def test_start_up_and_matcher_before_and_after():
    figures = results()
    assert figures["matcher"]["after_over_before"]["per_message_cpu_ms"] == 2.0
    markdown = "\n".join(scaling_report.startup_section(figures))
    assert "| NLU component start-up, CPU | 1.50 s | 2.25 s | 1.50 | 74 -> 2031 conditions |" in markdown
    assert "| action server start-up (to /health) | 2.00 s | 2.50 s | 1.25 | median of 3 starts; before = 05e63ae |" in markdown
    failed = matcher_cost.compare({"error": "exit code 1: boom"}, {"conditions": 1})
    assert failed["after_over_before"] == {}
    assert "not measured: exit code 1: boom" in "\n".join(scaling_report.startup_section({"matcher": failed}))
    assert matcher_cost.describe(failed) == "matcher not measured: exit code 1: boom"


def test_the_terminal_summary_names_every_figure():
    printed = "\n".join(scaling_report.summary_lines(results()))
    assert "long conversation, ours: median turn over turns 1-20: 60 ms" in printed
    assert "ours, 2 Rasa processes (cluster): @1 11.0 msg/s p95 95 ms, @10 30.0 msg/s p95 420 ms" in printed
    assert "ours, 3 Rasa processes (cluster): not measured (failed: TimeoutError)" in printed
    assert "action server start-up 2.0 s -> 2.5 s" in printed and "CPU 1.50 -> 2.25 s" in printed


def test_the_whole_section_renders_with_the_profile():
    markdown = "\n".join(scaling_report.markdown(results()))
    assert markdown.index("## Throughput and p95") < markdown.index("## A turn's cost") < markdown.index(
        "## Start-up and matcher cost") < markdown.index("## Where a loaded server spends its time")


def test_a_run_without_the_new_parts_renders_nothing_for_them():
    assert scaling_report.markdown({"systems": {}, "load": {"levels": [2]}}) == []
    assert scaling_report.summary_lines({}) == []


def test_plots_are_written_only_when_measured(tmp_path):
    figures = results()
    assert scaling_report.plot_scaling(figures, tmp_path / "scaling.png")
    assert scaling_report.plot_turn_cost(figures["turn_cost"], tmp_path / "turn_cost.png")
    for name in ("scaling.png", "turn_cost.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not scaling_report.plot_turn_cost({"ours": {"error": "no answer"}}, tmp_path / "none.png")
    assert not scaling_report.plot_scaling({"systems": {}}, tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()


def test_configuration_names():
    assert bench_scaling.configuration_name(1) == "1 Rasa process"
    assert bench_scaling.configuration_name(3) == "3 Rasa processes"
    assert bench_scaling.configuration_name(1, 2) == "1 Rasa process, 2 Sanic workers each"


def test_sanic_workers_go_to_rasa_servers_by_environment_and_to_action_servers_by_option(tmp_path):
    rasa = Service("Rasa server 1", ["rasa", "run"], "http://x/", tmp_path / "r.log", env={})
    actions = Service("action server 1", ["python", "-m", "actions.server"], "http://x/", tmp_path / "a.log", env={})
    balancer = Service("load balancer", ["nginx"], "http://x/", tmp_path / "b.log", env={})
    for service in (rasa, actions, balancer):
        cluster_bench.with_sanic_workers(service, 3)
    assert rasa.env == {"SANIC_WORKERS": "3"} and rasa.command == ["rasa", "run"]
    assert actions.command[-2:] == ["--workers", "3"] and actions.env == {}
    assert balancer.command == ["nginx"] and balancer.env == {}


def test_the_revision_before_the_terminology_lacks_its_file():
    revision = startup.revision_before_ontology()
    if revision is None:
        pytest.skip("no git history here")
    import subprocess

    def has_file(rev: str) -> bool:
        return subprocess.run(["git", "cat-file", "-e", f"{rev}:{startup.ONTOLOGY_FILE}"], cwd=PROJECT_ROOT,
                              capture_output=True).returncode == 0

    assert not has_file(revision)
    child = subprocess.run(["git", "rev-list", "--ancestry-path", f"{revision}..HEAD"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True).stdout.split()[-1]
    assert has_file(child), "the next commit on the way to HEAD adds the file"


def test_percentile_and_ratio():
    assert stats.percentile([], 50) is None and stats.percentile([5], 95) == 5.0
    assert stats.percentile([10, 20, 30, 40], 95) == 38.5
    assert stats.ratio(3, 2) == 1.5 and stats.ratio(None, 2) is None and stats.ratio(1, 0) is None
