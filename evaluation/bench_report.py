"""bench.md's main sections (targets, latency per level, ours against the baseline, cost) and
latency.png; the sections of issues #13 and #14 are evaluation/scaling_report.py's."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluation import scaling_report
from evaluation.reports import fmt, matplotlib_pyplot, md_table
from evaluation.scaling_report import mb

# Reported, never asserted; bench.py checks them into bench.json's `targets`.
TARGETS = {
    "p95_ms_at_10": 150.0,        # p95 latency per message at 10 concurrent conversations, on 2 cores
    "errors_at_50": 0,            # no errors at 50 concurrent conversations
    "training_seconds": 300.0,    # a forced training of ours under 5 minutes
}


def plot_latency(results: dict[str, Any], path: Path) -> None:
    plt = matplotlib_pyplot()
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
        epochs = bt.get("epochs", "rasa init's (100)")
        lines += [f"Baseline `rasa train` in this run: {fmt(bt['seconds'], 1)} s (Rasa reuses cached components "
                  f"when the data did not change, so this is not a training time); epochs: {epochs}. With fewer "
                  "epochs the components, and so the cost per message, are rasa init's; its answers (and so the "
                  "path of a conversation) are not.", ""]
    lines += scaling_report.markdown(results)
    return "\n".join(lines)
