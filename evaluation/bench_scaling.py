"""The parts of `make bench` that issue #14 added: a turn's cost over one long conversation, where a
loaded server spends its time (py-spy), and the cluster of `make run-cluster` beside one process.

`evaluation.bench` calls these and keeps their figures under `turn_cost`, `profile` and `cluster` in
bench.json; `markdown()` renders them for bench.md and `summary_lines()` prints them at the end.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from evaluation import common, loadclient, profiling, turn_cost
from evaluation.common import fmt, log, md_table


def measure_turn_cost(url: str, turns: int, window: int = 20, timeout: float = 30.0) -> dict[str, Any]:
    """The long conversation against a running bot; errors are reported, not raised."""
    log(f"one conversation of {turns} turns, timed turn by turn")
    try:
        figures = turn_cost.measure(url, turns, window, timeout)
    except Exception as error:  # noqa: BLE001 - a broken conversation is a finding, not a crash of the bench
        return {"error": f"{error.__class__.__name__}: {error}"[:300]}
    log(turn_cost.describe(figures))
    return figures


def profile_under_load(url: str, pids: dict[str, int], scripts: list[dict], out_dir: Path, seconds: float,
                       concurrency: int = 10, timeout: float = 30.0) -> dict[str, Any]:
    """py-spy on each of `pids` for `seconds` while `concurrency` conversations run against `url`."""
    if profiling.py_spy() is None:
        return {"skipped": "py-spy is not installed (a test dependency: pip install -e '.[test]')"}
    results: dict[str, Any] = {}

    def record(name: str, pid: int) -> None:
        results[name] = profiling.profile(pid, seconds, out_dir / f"profile-{name}.txt")

    threads = [threading.Thread(target=record, args=(name, pid)) for name, pid in pids.items()]
    for thread in threads:
        thread.start()
    log(f"profiling {', '.join(pids)} for {seconds:g} s under {concurrency} concurrent conversations")
    # more conversations than the recording lasts: the load outlives the profile
    loadclient.play(url, scripts, concurrency, max(concurrency * 6, 30), seed=99, timeout=timeout)
    for thread in threads:
        thread.join()
    return {"seconds": seconds, "concurrency": concurrency, "processes": results}


def bench_cluster(model: Path, workdir: Path, scripts: list[dict], levels: list[int],
                  conversations_for: Callable[[int], int], timeout: float, think_time: float,
                  rasa_replicas: int, action_replicas: int) -> dict[str, Any]:
    """The load levels against the cluster's balancer, with CPU and peak memory of every process."""
    from evaluation.cluster_bench import ClusterUnavailable, start_cluster

    try:
        with start_cluster(model, workdir, rasa_replicas, action_replicas) as cluster:
            pids = cluster.pids()
            loadclient.play(cluster.url, scripts, 2, 4, seed=1, timeout=timeout)   # warm every replica
            with common.RssSampler(pids) as sampler:
                level_results = run_levels("cluster", cluster.url, pids, scripts, levels, conversations_for,
                                           timeout, think_time)
            return {"rasa_replicas": rasa_replicas, "action_replicas": action_replicas,
                    "database": "postgresql", "lock_store": "redis", "balancer": "nginx",
                    "peak_rss_bytes": dict(sampler.peak), "levels": level_results}
    except ClusterUnavailable as error:
        log(f"cluster not measured: {error}")
        return {"skipped": str(error)}


def plot_turn_cost(figures: dict[str, Any], path: Path) -> bool:
    """Latency of each turn of the long conversation against its number; False when not measured."""
    latencies = figures.get("latencies_ms") if figures else None
    if not latencies:
        return False
    plt = common.matplotlib_pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(range(1, len(latencies) + 1), latencies, ".", color="#1f77b4", markersize=4, label="turn")
    window = figures["window"]
    for start, median in ((1, figures["first_median_ms"]), (len(latencies) - window + 1, figures["last_median_ms"])):
        ax.hlines(median, start, start + window - 1, colors="#d62728", linewidth=2)
    ax.set_xlabel("turn of the conversation")
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0, top=max(sorted(latencies)[int(0.98 * (len(latencies) - 1))] * 1.3, 1))
    ax.set_title(f"One conversation, turn by turn: medians {figures['first_median_ms']:.0f} ms and "
                 f"{figures['last_median_ms']:.0f} ms ({figures['ratio']:.2f}x)")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def run_levels(label: str, url: str, pids: dict[str, int], scripts: list[dict], levels: list[int],
               conversations_for: Callable[[int], int], timeout: float, think_time: float) -> list[dict[str, Any]]:
    """Each load level in turn (closed loop), with the CPU the processes in `pids` used during it."""
    results = []
    for level in levels:
        count = conversations_for(level)
        log(f"{label}: {count} conversations, {level} at a time")
        with common.CpuMonitor(pids) as cpu:
            result = loadclient.play(url, scripts, level, count, seed=level, timeout=timeout, think_time=think_time)
        summary = result.summary()
        summary["cpu"] = cpu.figures()
        results.append(summary)
        log(f"{label} @{level}: {fmt(summary['messages_per_second'], 1)} msg/s, "
            f"p50 {fmt(summary['latency_ms']['p50'], 0)} ms, p95 {fmt(summary['latency_ms']['p95'], 0)} ms, "
            f"errors {summary['errors']}, other CPU use {100 * summary['cpu']['other_share']:.0f} %")
    return results


def cluster_rows(single: dict[str, Any], cluster: dict[str, Any]) -> list[dict[str, Any]]:
    """Per concurrency level present in both: throughput and latency of one process and of the cluster."""
    by_level = {level["concurrency"]: level for level in single.get("levels", [])}
    rows = []
    for level in cluster.get("levels", []):
        one = by_level.get(level["concurrency"])
        if one is None:
            continue
        rows.append({"concurrency": level["concurrency"],
                     "single_mps": one["messages_per_second"], "cluster_mps": level["messages_per_second"],
                     "single_p50": one["latency_ms"]["p50"], "cluster_p50": level["latency_ms"]["p50"],
                     "single_p95": one["latency_ms"]["p95"], "cluster_p95": level["latency_ms"]["p95"],
                     "single_errors": one["errors"], "cluster_errors": level["errors"],
                     # "briefly unavailable" or nothing: a turn without an answer is no throughput
                     "single_empty": one.get("empty_replies", 0), "cluster_empty": level.get("empty_replies", 0),
                     "speed_up": common.ratio(level["messages_per_second"], one["messages_per_second"]),
                     "other_share": max(one["cpu"]["other_share"], level["cpu"]["other_share"])})
    return rows


def process_table(cluster: dict[str, Any]) -> list[str]:
    """Each cluster process's peak memory and CPU cores at each level."""
    peaks = cluster.get("peak_rss_bytes") or {}
    if not peaks:
        return []
    levels = cluster.get("levels", [])
    headers = ["process", "peak RSS"] + [f"cores @{level['concurrency']}" for level in levels]
    rows = [[name.replace("_", " "), f"{peak / 2**20:.0f} MB"]
            + [fmt(level["cpu"].get(f"{name}_cores"), 2) for level in levels]
            for name, peak in peaks.items()]
    return ["Per process (with its log writer): peak memory over the run, CPU cores used during each level.", "",
            md_table(headers, rows), ""]


def markdown(results: dict[str, Any]) -> list[str]:
    """bench.md's sections for the long conversation, the cluster and the profiles."""
    lines: list[str] = []
    growth = results.get("turn_cost")
    if growth:
        lines += ["## A turn's cost over a long conversation", ""]
        if "error" in growth or "skipped" in growth:
            lines += [f"Not measured: {growth.get('error') or growth.get('skipped')}.", ""]
        else:
            lines += [f"One conversation of {growth['turns']} turns (`python -m evaluation.turn_cost`), one "
                      f"message at a time: {turn_cost.describe(growth)}. Target: at most 1.3x.", "",
                      "![turn cost](turn_cost.png)", ""]
    cluster = results.get("cluster")
    if cluster:
        lines += ["## The cluster beside one process", ""]
        if "skipped" in cluster:
            lines += [f"Not measured: {cluster['skipped']}", ""]
        else:
            rows = cluster_rows(results["systems"]["ours"], cluster)
            lines += [f"{cluster['rasa_replicas']} Rasa servers and {cluster['action_replicas']} action servers "
                      "behind nginx, PostgreSQL tracker store, Redis lock store (`make run-cluster`), against "
                      "one Rasa server and one action server on SQLite (`make run`). Both on this machine, with "
                      "the load client; figures measured while other jobs ran are noisy (last column).", "",
                      md_table(["concurrent", "1 process msg/s", "cluster msg/s", "speed-up", "1 process p50 ms",
                                "cluster p50 ms", "1 process p95 ms", "cluster p95 ms", "errors (1 / cluster)",
                                "no answer (1 / cluster)", "other CPU use"],
                               [[r["concurrency"], fmt(r["single_mps"], 1), fmt(r["cluster_mps"], 1),
                                 fmt(r["speed_up"], 2), fmt(r["single_p50"], 0), fmt(r["cluster_p50"], 0),
                                 fmt(r["single_p95"], 0), fmt(r["cluster_p95"], 0),
                                 f"{r['single_errors']} / {r['cluster_errors']}",
                                 f"{r['single_empty']} / {r['cluster_empty']}", fmt(r["other_share"], percent=True)]
                                for r in rows]), ""]
            if any(r["cluster_empty"] or r["single_empty"] for r in rows):
                lines += ["**Warning: some turns got no answer (the bot said it is briefly unavailable); their "
                          "latencies and throughput are not the bot's. See the logs in reports/work/bench/.**", ""]
            lines += process_table(cluster)
    profile = results.get("profile")
    if profile:
        lines += ["## Where a loaded server spends its time", ""]
        if "skipped" in profile:
            lines += [f"Not profiled: {profile['skipped']}", ""]
        else:
            lines += [f"py-spy on each process for {profile['seconds']:g} s while {profile['concurrency']} "
                      "conversations ran (`python -m evaluation.profiling`; raw stacks in reports/work/bench/).", ""]
            for name, summary in profile["processes"].items():
                lines += profiling.markdown(summary, name.replace("_", " "))
    return lines


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The figures issue #14 asks for, as lines for the terminal."""
    lines = []
    growth = results.get("turn_cost") or {}
    if "ratio" in growth:
        lines.append(f"long conversation: {turn_cost.describe(growth)}")
    cluster = results.get("cluster") or {}
    if "levels" in cluster:
        for row in cluster_rows(results["systems"]["ours"], cluster):
            lines.append(f"@{row['concurrency']}: 1 process {fmt(row['single_mps'], 1)} msg/s "
                         f"(p50 {fmt(row['single_p50'], 0)}, p95 {fmt(row['single_p95'], 0)} ms), cluster "
                         f"{fmt(row['cluster_mps'], 1)} msg/s (p50 {fmt(row['cluster_p50'], 0)}, p95 "
                         f"{fmt(row['cluster_p95'], 0)} ms), errors {row['single_errors']} / {row['cluster_errors']}, "
                         f"no answer {row['single_empty']} / {row['cluster_empty']}"
                         f", other CPU use {fmt(row['other_share'], percent=True)}")
    elif "skipped" in cluster:
        lines.append(f"cluster not measured: {cluster['skipped']}")
    return lines
