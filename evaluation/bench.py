"""`make bench`: speed and cost of the bot, ours beside the `rasa init` baseline, in one run.

    python -m evaluation.bench [--smoke] [--out reports] [--levels 1,10,50] [--no-baseline] [--no-train]
                               [--turns 120] [--profile-seconds 8] [--processes 1,2,3] [--sanic-workers 2]
                               [--no-cluster] [--startup-starts 3] [--before-revision REV]

Besides the load levels of ours and the baseline (one Rasa process each, as `make run`): the term
matcher's and the action server's start-up before and after the disease terminology
(evaluation/matcher_cost.py, evaluation/startup.py), a turn's cost over one long conversation for both,
a py-spy profile of ours under load, and the cluster of `make run-cluster` with 1, 2 and 3 Rasa
processes and with Sanic workers (evaluation/bench_scaling.py). `--smoke` leaves out the profile and
the cluster and shortens the rest.

Writes `<out>/bench.json` (every figure), `<out>/bench.md` (summary tables) and the plots `latency.png`,
`scaling.png` and `turn_cost.png`. See evaluation/README.md.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from evaluation import bench_scaling, loadclient, matcher_cost, scaling_report, startup
from evaluation.bench_report import TARGETS, plot_latency, render_markdown
from evaluation.processes import BotStack, start_stack
from evaluation.reports import DEFAULT_REPORTS, log, reset_dir, run_header, write_json
from evaluation.resources import CpuMonitor, RssSampler, rss_bytes
from evaluation.stats import ratio
from evaluation.training import our_model, train_baseline, train_model
from settings import PROJECT_ROOT, load_settings


def measure_training(out_dir: Path, log_dir: Path, config: Path = PROJECT_ROOT / "config.yml") -> dict[str, Any]:
    """Time a forced training of our config.yml into a temporary folder (deleted afterwards)."""
    with CpuMonitor({}) as cpu:
        trained = train_model(config, out_dir / "model", log_dir / "train-ours-forced.log",
                              fixed_name="timed", force=True)
    figures = {"seconds": round(trained.seconds, 1), "model_bytes": trained.model.stat().st_size,
               "other_cpu_share": cpu.figures()["other_share"],
               "config": str(config.relative_to(PROJECT_ROOT)) if config.is_relative_to(PROJECT_ROOT) else str(config),
               "forced": True}
    shutil.rmtree(out_dir / "model", ignore_errors=True)
    return figures


def bench_system(label: str, model: Path, workdir: Path, scripts: list[dict], levels: list[int],
                 conversations_for, timeout: float, think_time: float,
                 before_levels: Callable[[BotStack, dict[str, int]], None] | None = None) -> dict[str, Any]:
    """One bot (action server and Rasa server on SQLite) through every load level; `before_levels` runs
    after the warm-up (the long conversation, the profile)."""
    with start_stack(label, model, workdir) as stack:
        pids = {"rasa_server": stack.rasa_service.process.pid, "action_server": stack.action_service.process.pid}
        idle = {name: rss_bytes(pid) for name, pid in pids.items()}
        with RssSampler(pids) as sampler:
            # warm-up (not measured): every script once, one at a time
            loadclient.play(stack.url, scripts, 1, min(len(scripts), 4), seed=1, timeout=timeout)
            if before_levels:
                before_levels(stack, pids)
            level_results = bench_scaling.run_levels(label, stack.url, pids, scripts, levels, conversations_for,
                                                     timeout, think_time)
        return {
            "model": str(model.relative_to(PROJECT_ROOT)) if model.is_relative_to(PROJECT_ROOT) else str(model),
            "model_bytes": model.stat().st_size,
            "startup": {k: round(v, 2) for k, v in stack.timings.items()},
            "memory": {
                "idle_rss_bytes": idle,
                "peak_rss_bytes": dict(sampler.peak),
                "peak_rss_bytes_total": sum(sampler.peak.values()),
                "samples": sampler.samples,
                "includes_children": True,
            },
            "levels": level_results,
        }


def compare(ours: dict, baseline: dict | None) -> list[dict[str, Any]]:
    if not baseline:
        return []
    rows = []
    by_level = {level["concurrency"]: level for level in baseline["levels"]}
    for level in ours["levels"]:
        other = by_level.get(level["concurrency"])
        if not other:
            continue
        rows.append({
            "concurrency": level["concurrency"],
            **{f"{q}_ratio": ratio(level["latency_ms"][q], other["latency_ms"][q]) for q in ("p50", "p95", "p99", "max")},
            "throughput_ratio": ratio(level["messages_per_second"], other["messages_per_second"]),
        })
    return rows


def check_targets(results: dict[str, Any]) -> dict[str, Any]:
    ours = results["systems"]["ours"]
    levels = {level["concurrency"]: level for level in ours["levels"]}
    training = results.get("training") or {}
    cpus = results["machine"]["cpus"]
    p95_at_10 = (levels.get(10) or {}).get("latency_ms", {}).get("p95")
    errors_at_50 = (levels.get(50) or {}).get("errors")
    seconds = training.get("seconds")
    return {
        "p95_under_150ms_at_10": {"target_ms": TARGETS["p95_ms_at_10"], "value_ms": p95_at_10,
                                  "met": None if p95_at_10 is None else p95_at_10 < TARGETS["p95_ms_at_10"],
                                  "note": f"measured on {cpus} CPUs (target stated for 2 cores)"},
        "no_errors_at_50": {"value": errors_at_50, "met": None if errors_at_50 is None else errors_at_50 == 0},
        "training_under_5_min": {"target_seconds": TARGETS["training_seconds"], "value_seconds": seconds,
                                 "met": None if seconds is None else seconds < TARGETS["training_seconds"]},
    }


def numbers(text: str) -> list[int]:
    """'1,10,50' -> [1, 10, 50]; '' -> []."""
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="quick check of the tooling: one small level, a one-epoch baseline, no timed training, "
                             "a 40-turn conversation, one start per side, no profile, no cluster")
    parser.add_argument("--out", default=str(DEFAULT_REPORTS), help="report folder (default: reports/)")
    parser.add_argument("--model", help="our model (file or folder; default: newest in models/)")
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations (default 1,10,50)")
    parser.add_argument("--rounds", type=int, default=3, help="conversations per virtual patient per level")
    parser.add_argument("--min-conversations", type=int, default=20, help="at least this many per level")
    parser.add_argument("--think-time", type=float, default=0.0, help="seconds between a reply and the next message")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as an error")
    parser.add_argument("--no-baseline", action="store_true", help="measure ours only")
    parser.add_argument("--no-train", action="store_true", help="skip the timed forced training")
    parser.add_argument("--baseline-epochs", type=int,
                        help="train the baseline with this many epochs instead of 100 (same components, so the "
                             "same cost per message; for speed figures where a full training takes too long)")
    parser.add_argument("--turns", type=int, help="turns of the long conversation timed turn by turn, ours and "
                                                  "the baseline (default 120, smoke 40; 0: skip)")
    parser.add_argument("--profile-seconds", type=float, default=8,
                        help="py-spy on both servers under 10 concurrent conversations (0: skip)")
    parser.add_argument("--processes", help="Rasa processes of each cluster configuration (default 1,2,3; smoke: "
                                            "none; '': none)")
    parser.add_argument("--sanic-workers", type=int, default=2,
                        help="also one Rasa process and its action servers with this many Sanic workers (0/1: no)")
    parser.add_argument("--action-replicas", type=int, help="action servers in the cluster (default: ACTION_REPLICAS)")
    parser.add_argument("--no-cluster", action="store_true", help="leave every cluster configuration out")
    parser.add_argument("--startup-starts", type=int, help="action server starts per side, before and after the "
                                                           "terminology (default 3, smoke 1; 0: skip)")
    parser.add_argument("--before-revision", help="the 'before' of the start-up figures (default: the commit "
                                                  "before knowledge/vocabulary/disease_ontology.json)")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = reset_dir(out / "work" / "bench")
    results: dict[str, Any] = run_header("bench", args.smoke)
    levels = [2] if args.smoke else numbers(args.levels)
    turns = args.turns if args.turns is not None else (40 if args.smoke else 120)
    process_counts = numbers(args.processes if args.processes is not None else ("" if args.smoke else "1,2,3"))
    if args.no_cluster:
        process_counts = []
    starts = args.startup_starts if args.startup_starts is not None else (1 if args.smoke else 3)
    scripts = loadclient.load_conversations()

    def conversations_for(level: int) -> int:
        return 3 if args.smoke else max(args.min_conversations, args.rounds * level)

    results["load"] = {"levels": levels, "scripts": len(scripts), "think_time_s": args.think_time,
                       "timeout_s": args.timeout, "rounds": args.rounds,
                       "conversations_per_level": {str(level): conversations_for(level) for level in levels}}
    results["targets_definition"] = TARGETS

    # Start-up figures first, on a machine the bench has not loaded yet; then the load; the timed
    # training last, so no load level follows a training that just heated the CPUs. Every bot and
    # cluster runs alone.
    log("the term matcher with the curated vocabulary, then with the disease terminology")
    results["matcher"] = matcher_cost.before_and_after(repeat=1 if args.smoke else 5)
    log(matcher_cost.describe(results["matcher"]))
    if starts:
        results["action_server_startup"] = startup.before_and_after(work / "startup", starts, args.before_revision)
    results["systems"] = {}
    results["turn_cost"] = {}
    model = our_model(args.model)

    def long_conversation(system: str, profile: bool):
        def run(stack: BotStack, pids: dict[str, int]) -> None:
            if turns:
                results["turn_cost"][system] = bench_scaling.measure_turn_cost(stack.url, turns, timeout=args.timeout)
            if profile and args.profile_seconds and not args.smoke:
                results["profile"] = bench_scaling.profile_under_load(stack.url, pids, scripts, work,
                                                                      args.profile_seconds, timeout=args.timeout)
        return run

    results["systems"]["ours"] = bench_system("ours", model, work / "bot-ours", scripts, levels, conversations_for,
                                              args.timeout, args.think_time,
                                              before_levels=long_conversation("ours", profile=True))
    if process_counts:
        results["scaling"] = bench_scaling.bench_scaling(
            model, work / "cluster", scripts, levels, conversations_for, args.timeout, args.think_time,
            process_counts, args.action_replicas or load_settings().action_replicas, args.sanic_workers)
    if not args.no_baseline:
        log("training the baseline (rasa init's configuration) on the current domain and data")
        trained = train_baseline(out / "models", args.smoke, work / "logs", args.baseline_epochs)
        results["baseline_training"] = {"seconds": round(trained.seconds, 1), "config": str(trained.config),
                                        "epochs": 1 if args.smoke else args.baseline_epochs or "rasa init's (100)"}
        results["systems"]["baseline"] = bench_system("baseline", trained.model, work / "bot-baseline", scripts,
                                                      levels, conversations_for, args.timeout, args.think_time,
                                                      before_levels=long_conversation("baseline", profile=False))
    if args.no_train or args.smoke:
        results["training"] = {"skipped": "--smoke" if args.smoke else "--no-train"}
    else:
        log("timing a forced training of ours")
        results["training"] = measure_training(work / "train-ours", work / "logs")
        log(f"training took {results['training']['seconds']} s")
    results["ratios"] = compare(results["systems"]["ours"], results["systems"].get("baseline"))
    results["targets"] = check_targets(results)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_json(out / "bench.json", results)
    plot_latency(results, out / "latency.png")
    scaling_report.plot_scaling(results, out / "scaling.png")
    scaling_report.plot_turn_cost(results["turn_cost"], out / "turn_cost.png")
    (out / "bench.md").write_text(render_markdown(results), encoding="utf-8")
    log(f"wrote {out / 'bench.json'}, {out / 'bench.md'} and the plots")
    for line in scaling_report.summary_lines(results):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
