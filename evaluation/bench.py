"""`make bench`: speed and cost of the bot, ours beside the `rasa init` baseline, in one run.

    python -m evaluation.bench [--smoke] [--out reports] [--levels 1,10,50] [--no-baseline] [--no-train]
                               [--turns 120] [--profile-seconds 8] [--cluster-levels 10,50] [--no-cluster]

Besides the load levels of ours and the baseline: a turn's cost over one long conversation, a py-spy
profile of both servers under load, and the cluster of `make run-cluster` beside one process
(evaluation/bench_scaling.py); `--smoke` leaves those three out.

Writes `<out>/bench.json` (every figure), `<out>/bench.md` (summary tables) and `<out>/latency.png`.
See evaluation/README.md.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from evaluation import bench_scaling, common, loadclient
from evaluation.common import PROJECT_ROOT, fmt, log, md_table, ratio
from settings import load_settings

TARGETS = {
    "p95_ms_at_10": 150.0,        # p95 latency per message at 10 concurrent conversations, on 2 cores
    "errors_at_50": 0,            # no errors at 50 concurrent conversations
    "training_seconds": 300.0,    # a forced training of ours under 5 minutes
}


def measure_training(out_dir: Path, log_dir: Path, config: Path = PROJECT_ROOT / "config.yml") -> dict[str, Any]:
    """Time a forced training of our config.yml into a temporary folder (deleted afterwards)."""
    with common.CpuMonitor({}) as cpu:
        trained = common.train_model(config, out_dir / "model", log_dir / "train-ours-forced.log",
                                     fixed_name="timed", force=True)
    figures = {"seconds": round(trained.seconds, 1), "model_bytes": trained.model.stat().st_size,
               "other_cpu_share": cpu.figures()["other_share"],
               "config": str(config.relative_to(PROJECT_ROOT)) if config.is_relative_to(PROJECT_ROOT) else str(config),
               "forced": True}
    shutil.rmtree(out_dir / "model", ignore_errors=True)
    return figures


def bench_system(label: str, model: Path, workdir: Path, scripts: list[dict], levels: list[int],
                 conversations_for, timeout: float, think_time: float,
                 before_levels: Callable[[common.BotStack, dict[str, int]], None] | None = None) -> dict[str, Any]:
    """One bot (action server and Rasa server on SQLite) through every load level; `before_levels` runs
    after the warm-up (the long conversation, the profile)."""
    with common.start_stack(label, model, workdir) as stack:
        pids = {"rasa_server": stack.rasa_service.process.pid, "action_server": stack.action_service.process.pid}
        idle = {name: common.rss_bytes(pid) for name, pid in pids.items()}
        with common.RssSampler(pids) as sampler:
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


def plot_latency(results: dict[str, Any], path: Path) -> None:
    plt = common.matplotlib_pyplot()
    fig, (ax_latency, ax_rate) = plt.subplots(1, 2, figsize=(11, 4.5))
    colours = {"p50": "#2ca02c", "p95": "#ff7f0e", "p99": "#d62728"}
    for system, style in (("ours", "-o"), ("baseline", "--s")):
        data = results["systems"].get(system)
        if not data:
            continue
        levels = [level["concurrency"] for level in data["levels"]]
        for q, colour in colours.items():
            values = [level["latency_ms"][q] for level in data["levels"]]
            ax_latency.plot(levels, values, style, color=colour, label=f"{system} {q}",
                            alpha=1.0 if system == "ours" else 0.6)
        ax_rate.plot(levels, [level["messages_per_second"] or 0 for level in data["levels"]], style,
                     color="#1f77b4" if system == "ours" else "#888888", label=system)
    ax_latency.axhline(TARGETS["p95_ms_at_10"], color="grey", linestyle=":", linewidth=1)
    ax_latency.text(0.02, TARGETS["p95_ms_at_10"], " p95 target at 10 (150 ms)", fontsize=7, color="grey",
                    transform=ax_latency.get_yaxis_transform(), va="bottom")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    levels = sorted({level["concurrency"] for data in results["systems"].values() for level in data["levels"]})
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    for ax in (ax_latency, ax_rate):
        ax.set_xscale("log")
        ax.set_xticks(levels)
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("concurrent conversations")
        ax.grid(True, which="both", alpha=0.3)
    ax_latency.set_yscale("log")
    ax_latency.yaxis.set_major_formatter(plain)
    ax_latency.yaxis.set_minor_formatter(plain)
    ax_latency.tick_params(axis="y", which="minor", labelsize=6)
    ax_rate.set_ylim(bottom=0)
    ax_latency.set_ylabel("latency per message (ms)")
    ax_latency.set_title("Latency percentiles")
    ax_latency.legend(fontsize=7, ncol=2)
    ax_rate.set_ylabel("messages per second")
    ax_rate.set_title("Throughput")
    ax_rate.legend(fontsize=7)
    fig.suptitle(f"REST channel, closed loop, {results['machine']['cpus']} CPUs"
                 + (" (smoke run)" if results["smoke"] else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def mb(value: int | None) -> str:
    if value is None:
        return "–"
    megabytes = value / 2**20
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"


def unit(value: Any, suffix: str, digits: int = 0) -> str:
    return "–" if value is None else f"{fmt(value, digits)} {suffix}"


def render_markdown(results: dict[str, Any]) -> str:
    systems = [s for s in ("ours", "baseline") if s in results["systems"]]
    lines = [
        "# Speed and cost report (`make bench`)",
        "",
        f"Run {results['started_at']}, revision `{results['git_revision']}`, {results['machine']['cpus']} CPUs"
        + (" — **smoke run (one small level, one-epoch baseline, no timed training): the figures are not meaningful**"
           if results["smoke"] else ""),
        "",
        f"Load: closed loop over the REST channel, scripted patient conversations from "
        f"`evaluation/conversations.yml` ({results['load']['scripts']} scripts), think time "
        f"{results['load']['think_time_s']} s, request timeout {results['load']['timeout_s']} s. The load client "
        "runs on the same machine as the bot.",
        "",
        "## Targets (reported, not asserted)",
        "",
    ]
    targets = results["targets"]
    lines += [md_table(["target", "value", "met"], [
        ["p95 < 150 ms at 10 concurrent (2 cores)", unit(targets["p95_under_150ms_at_10"]["value_ms"], "ms"),
         fmt(targets["p95_under_150ms_at_10"]["met"])],
        ["no errors at 50 concurrent", fmt(targets["no_errors_at_50"]["value"]), fmt(targets["no_errors_at_50"]["met"])],
        ["training < 5 min", unit(targets["training_under_5_min"]["value_seconds"], "s", 1),
         fmt(targets["training_under_5_min"]["met"])],
    ]), "", "## Latency per message and throughput", ""]
    rows = []
    for s in systems:
        for level in results["systems"][s]["levels"]:
            latency = level["latency_ms"]
            cpu = level.get("cpu") or {}
            rows.append([s, level["concurrency"], level["conversations"], level["messages"],
                         fmt(level["messages_per_second"], 1), fmt(latency["p50"], 0), fmt(latency["p95"], 0),
                         fmt(latency["p99"], 0), fmt(latency["max"], 0), level["errors"], level["empty_replies"],
                         fmt(cpu.get("rasa_server_cores"), 2), fmt(cpu.get("action_server_cores"), 2),
                         fmt(cpu.get("other_share"), percent=True)])
    lines += [md_table(["system", "concurrent", "conversations", "messages", "msg/s", "p50 ms", "p95 ms",
                        "p99 ms", "max ms", "errors", "empty replies", "Rasa cores", "actions cores",
                        "other CPU use"], rows), "",
              "Cores: CPU time of the Rasa server and of the action server (with children) per second of the "
              "level. Other CPU use: the share of the machine's CPU time used by anything else but the bot "
              "and the load client; above ~10 % another job competed and the latencies are inflated.", ""]
    busy = [f"{s} at {level['concurrency']}" for s in systems for level in results["systems"][s]["levels"]
            if (level.get("cpu") or {}).get("other_share", 0) > 0.10]
    if busy:
        lines += [f"**Warning: other processes used over 10 % of the CPUs during: {', '.join(busy)}.** "
                  "Re-run on an idle machine for latency figures to rely on.", ""]
    lines += ["![latency](latency.png)", ""]
    if results["ratios"]:
        lines += ["### Ours / baseline", "", "Below 1: ours is faster (latency) or, for throughput, slower.", "",
                  md_table(["concurrent", "p50", "p95", "p99", "max", "throughput"],
                           [[r["concurrency"], fmt(r["p50_ratio"], 2), fmt(r["p95_ratio"], 2), fmt(r["p99_ratio"], 2),
                             fmt(r["max_ratio"], 2), fmt(r["throughput_ratio"], 2)] for r in results["ratios"]]), ""]
    training = results.get("training") or {}
    lines += ["## Cost", "", md_table(["figure"] + systems, [
        ["model size"] + [mb(results["systems"][s]["model_bytes"]) for s in systems],
        ["Rasa server ready (REST channel answers)"] +
        [unit(results["systems"][s]["startup"].get("rasa_ready_s"), "s", 1) for s in systems],
        ["Rasa server start until first answer"] +
        [unit(results["systems"][s]["startup"].get("rasa_first_answer_s"), "s", 1) for s in systems],
        ["action server ready"] +
        [unit(results["systems"][s]["startup"].get("action_server_ready_s"), "s", 1) for s in systems],
        ["peak RSS, Rasa server (with children)"] +
        [mb(results["systems"][s]["memory"]["peak_rss_bytes"].get("rasa_server")) for s in systems],
        ["peak RSS, action server (with children)"] +
        [mb(results["systems"][s]["memory"]["peak_rss_bytes"].get("action_server")) for s in systems],
        ["idle RSS after start-up, Rasa server"] +
        [mb(results["systems"][s]["memory"]["idle_rss_bytes"].get("rasa_server")) for s in systems],
    ]), ""]
    if training.get("skipped"):
        lines += [f"Training time not measured ({training['skipped']}).", ""]
    elif training:
        lines += [f"Training (forced, `{training['config']}`, into a temporary folder): "
                  f"{fmt(training['seconds'], 1)} s; model {mb(training['model_bytes'])}; other processes used "
                  f"{fmt(training.get('other_cpu_share'), percent=True)} of the CPUs meanwhile.", ""]
    if results.get("baseline_training"):
        bt = results["baseline_training"]
        lines += [f"Baseline `rasa train` in this run: {fmt(bt['seconds'], 1)} s (Rasa reuses cached components "
                  "when the data did not change, so this is not a training time).", ""]
    lines += bench_scaling.markdown(results)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="quick check of the tooling: one small level, a one-epoch baseline, no timed training")
    parser.add_argument("--out", default=str(common.DEFAULT_REPORTS), help="report folder (default: reports/)")
    parser.add_argument("--model", help="our model (file or folder; default: newest in models/)")
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations (default 1,10,50)")
    parser.add_argument("--rounds", type=int, default=3, help="conversations per virtual patient per level")
    parser.add_argument("--min-conversations", type=int, default=20, help="at least this many per level")
    parser.add_argument("--think-time", type=float, default=0.0, help="seconds between a reply and the next message")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as an error")
    parser.add_argument("--no-baseline", action="store_true", help="measure ours only")
    parser.add_argument("--no-train", action="store_true", help="skip the timed forced training")
    parser.add_argument("--turns", type=int, default=120,
                        help="turns of the long conversation timed turn by turn (0: skip)")
    parser.add_argument("--profile-seconds", type=float, default=8,
                        help="py-spy on both servers under 10 concurrent conversations (0: skip)")
    parser.add_argument("--cluster-levels", default="10,50", help="concurrent conversations against the cluster")
    parser.add_argument("--rasa-replicas", type=int, help="Rasa servers in the cluster (default: RASA_REPLICAS)")
    parser.add_argument("--action-replicas", type=int, help="action servers in the cluster (default: ACTION_REPLICAS)")
    parser.add_argument("--no-cluster", action="store_true", help="leave the cluster out")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = common.reset_dir(out / "work" / "bench")
    results: dict[str, Any] = common.run_header("bench", args.smoke)
    levels = [2] if args.smoke else [int(x) for x in args.levels.split(",") if x.strip()]
    scripts = loadclient.load_conversations()

    def conversations_for(level: int) -> int:
        return 3 if args.smoke else max(args.min_conversations, args.rounds * level)

    results["load"] = {"levels": levels, "scripts": len(scripts), "think_time_s": args.think_time,
                       "timeout_s": args.timeout, "rounds": args.rounds,
                       "conversations_per_level": {str(level): conversations_for(level) for level in levels}}
    results["targets_definition"] = TARGETS

    # The load runs first and the timed training last, so no load level follows a training that just
    # heated the CPUs; the bots run one after the other.
    results["systems"] = {}
    model = common.our_model(args.model)

    def long_conversation_and_profile(stack: common.BotStack, pids: dict[str, int]) -> None:
        if args.turns and not args.smoke:
            results["turn_cost"] = bench_scaling.measure_turn_cost(stack.url, args.turns, timeout=args.timeout)
        if args.profile_seconds and not args.smoke:
            results["profile"] = bench_scaling.profile_under_load(stack.url, pids, scripts, work,
                                                                  args.profile_seconds, timeout=args.timeout)

    results["systems"]["ours"] = bench_system("ours", model, work / "bot-ours", scripts, levels, conversations_for,
                                              args.timeout, args.think_time, before_levels=long_conversation_and_profile)
    if not (args.no_cluster or args.smoke):
        settings = load_settings()
        results["cluster"] = bench_scaling.bench_cluster(
            model, work / "cluster", scripts, [int(x) for x in args.cluster_levels.split(",") if x.strip()],
            conversations_for, args.timeout, args.think_time,
            args.rasa_replicas or settings.rasa_replicas, args.action_replicas or settings.action_replicas)
    if not args.no_baseline:
        log("training the baseline (rasa init's configuration) on the current domain and data")
        trained = common.train_baseline(out / "models", args.smoke, work / "logs")
        results["baseline_training"] = {"seconds": round(trained.seconds, 1), "config": str(trained.config)}
        results["systems"]["baseline"] = bench_system("baseline", trained.model, work / "bot-baseline", scripts,
                                                      levels, conversations_for, args.timeout, args.think_time)
    if args.no_train or args.smoke:
        results["training"] = {"skipped": "--smoke" if args.smoke else "--no-train"}
    else:
        log("timing a forced training of ours")
        results["training"] = measure_training(work / "train-ours", work / "logs")
        log(f"training took {results['training']['seconds']} s")
    results["ratios"] = compare(results["systems"]["ours"], results["systems"].get("baseline"))
    results["targets"] = check_targets(results)
    results["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    common.write_json(out / "bench.json", results)
    plot_latency(results, out / "latency.png")
    bench_scaling.plot_turn_cost(results.get("turn_cost") or {}, out / "turn_cost.png")
    (out / "bench.md").write_text(render_markdown(results), encoding="utf-8")
    log(f"wrote {out / 'bench.json'}, {out / 'bench.md'} and {out / 'latency.png'}")
    for line in bench_scaling.summary_lines(results):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
