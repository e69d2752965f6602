"""The measurements issue #14 added to `make bench`: a turn's cost over one long conversation, where a
loaded server spends its time (py-spy), and the bot as 1, 2 and 3 Rasa processes (the cluster of `make
run-cluster`: nginx, PostgreSQL, Redis), with Sanic's own workers as an alternative to more processes.

`evaluation.bench` calls these and keeps their figures under `turn_cost`, `profile` and `scaling` in
bench.json; evaluation/scaling_report.py renders them.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from evaluation import loadclient, profiling, turn_cost
from evaluation.reports import fmt, log
from evaluation.resources import CpuMonitor, RssSampler


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


def run_levels(label: str, url: str, pids: dict[str, int], scripts: list[dict], levels: list[int],
               conversations_for: Callable[[int], int], timeout: float, think_time: float) -> list[dict[str, Any]]:
    """Each load level in turn (closed loop), with the CPU the processes in `pids` used during it."""
    results = []
    for level in levels:
        count = conversations_for(level)
        log(f"{label}: {count} conversations, {level} at a time")
        with CpuMonitor(pids) as cpu:
            result = loadclient.play(url, scripts, level, count, seed=level, timeout=timeout, think_time=think_time)
        summary = result.summary()
        summary["cpu"] = cpu.figures()
        results.append(summary)
        log(f"{label} @{level}: {fmt(summary['messages_per_second'], 1)} msg/s, "
            f"p50 {fmt(summary['latency_ms']['p50'], 0)} ms, p95 {fmt(summary['latency_ms']['p95'], 0)} ms, "
            f"errors {summary['errors']}, other CPU use {100 * summary['cpu']['other_share']:.0f} %")
    return results


def configuration_name(rasa_processes: int, sanic_workers: int = 1) -> str:
    """'2 Rasa processes', '1 Rasa process, 2 Sanic workers each': the key of a configuration."""
    name = f"{rasa_processes} Rasa process" + ("es" if rasa_processes != 1 else "")
    return name + (f", {sanic_workers} Sanic workers each" if sanic_workers > 1 else "")


def bench_cluster(model: Path, workdir: Path, scripts: list[dict], levels: list[int],
                  conversations_for: Callable[[int], int], timeout: float, think_time: float,
                  rasa_replicas: int, action_replicas: int, sanic_workers: int = 1) -> dict[str, Any]:
    """The load levels against the cluster's balancer, with start-up, CPU and memory of every process."""
    from evaluation.cluster_bench import ClusterUnavailable, start_cluster

    label = configuration_name(rasa_replicas, sanic_workers)
    try:
        with start_cluster(model, workdir, rasa_replicas, action_replicas, sanic_workers) as cluster:
            pids = cluster.pids()
            idle = cluster.rss()
            loadclient.play(cluster.url, scripts, 2, 4, seed=1, timeout=timeout)   # warm every replica
            with RssSampler(pids) as sampler:
                level_results = run_levels(label, cluster.url, pids, scripts, levels, conversations_for,
                                           timeout, think_time)
            return {"rasa_replicas": rasa_replicas, "action_replicas": action_replicas,
                    "sanic_workers": sanic_workers, "database": "postgresql", "lock_store": "redis",
                    "balancer": "nginx", "ready_s": round(cluster.ready_seconds, 1),
                    "idle_rss_bytes": idle, "peak_rss_bytes": dict(sampler.peak), "levels": level_results}
    except ClusterUnavailable as error:
        log(f"{label} not measured: {error}")
        return {"rasa_replicas": rasa_replicas, "sanic_workers": sanic_workers, "skipped": str(error)}
    except Exception as error:  # noqa: BLE001 - one configuration that fails to start is a finding
        log(f"{label} failed: {error.__class__.__name__}: {error}")
        return {"rasa_replicas": rasa_replicas, "sanic_workers": sanic_workers,
                "skipped": f"failed: {error.__class__.__name__}: {str(error)[:300]}"}


def bench_scaling(model: Path, workdir: Path, scripts: list[dict], levels: list[int],
                  conversations_for: Callable[[int], int], timeout: float, think_time: float,
                  process_counts: list[int], action_replicas: int, sanic_workers: int) -> dict[str, Any]:
    """The cluster with each count of Rasa processes, then (`sanic_workers` > 1) one Rasa process and
    its action servers with that many Sanic workers each, all at the same load levels, one after the
    other so that they never compete for the CPUs."""
    plans = [(count, 1) for count in process_counts]
    if sanic_workers > 1:
        plans.append((1, sanic_workers))
    configurations = {}
    for count, workers in plans:
        name = configuration_name(count, workers)
        configurations[name] = bench_cluster(model, workdir / name.replace(" ", "-").replace(",", ""), scripts,
                                             levels, conversations_for, timeout, think_time, count,
                                             action_replicas, workers)
    return {"process_counts": process_counts, "action_replicas": action_replicas, "sanic_workers": sanic_workers,
            "configurations": configurations}
