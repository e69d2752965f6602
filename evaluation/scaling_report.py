"""bench.md's sections for what issue #14 added (the long conversation, 1, 2 and 3 Rasa processes, Sanic
workers, the profiles) and issue #13's start-up and matcher figures, and their plots: latency against
concurrency for every configuration, latency against turn number for ours and the baseline.

Pure functions of bench.json's figures (no server), so tests/evaluation checks them on made-up numbers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluation import matcher_cost, profiling, turn_cost
from evaluation.reports import fmt, matplotlib_pyplot, md_table
from evaluation.stats import ratio

# (label, matcher_cost figure, digits, unit) of the start-up table
MATCHER_ROWS = (
    ("NLU component start-up (spaCy import + matcher build), wall", "component_startup_s", 2, "s"),
    ("NLU component start-up, CPU", "component_startup_cpu_s", 2, "s"),
    ("matcher build (catalog + patterns), wall", "build_s", 2, "s"),
    ("matcher build, CPU", "build_cpu_s", 2, "s"),
    ("matcher per message (`find`), wall", "per_message_ms", 3, "ms"),
    ("matcher per message (`find`), CPU", "per_message_cpu_ms", 3, "ms"),
)
SINGLE_NAMES = {"ours": "ours, 1 process (make run)", "baseline": "baseline (rasa init), 1 process"}


def configurations(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every measured configuration by the name bench.md shows: ours and the baseline as `make run`
    starts them (one Rasa process on SQLite), then the cluster's, in the order they ran."""
    found = {SINGLE_NAMES[name]: data for name, data in results.get("systems", {}).items() if name in SINGLE_NAMES}
    for name, data in ((results.get("scaling") or {}).get("configurations") or {}).items():
        found[f"ours, {name} (cluster)"] = data
    return found


def level_table(configs: dict[str, dict[str, Any]], levels: list[int]) -> list[list[Any]]:
    """One row per configuration: throughput and p95 at each level, the speed-up over the first cluster
    configuration at the highest level, and the worst other-CPU share while it ran."""
    reference = next((data for name, data in configs.items() if "(cluster)" in name and "levels" in data), None)
    top = max(levels) if levels else None
    rows = []
    for name, data in configs.items():
        if "levels" not in data:
            rows.append([name] + ["–"] * (2 * len(levels) + 3) + [f"not measured: {first_line(data.get('skipped'))}"])
            continue
        by_level = {level["concurrency"]: level for level in data["levels"]}
        cells: list[Any] = [name]
        for concurrency in levels:
            level = by_level.get(concurrency) or {}
            cells += [fmt(level.get("messages_per_second"), 1), fmt((level.get("latency_ms") or {}).get("p95"), 0)]
        reference_top = {lv["concurrency"]: lv for lv in (reference or {}).get("levels", [])}.get(top) or {}
        speed_up = ratio((by_level.get(top) or {}).get("messages_per_second"), reference_top.get("messages_per_second"))
        errors = sum(level["errors"] for level in data["levels"])
        empty = sum(level.get("empty_replies", 0) for level in data["levels"])
        other = max((level.get("cpu") or {}).get("other_share", 0) for level in data["levels"]) if data["levels"] else None
        cells += [fmt(speed_up, 2), f"{errors} / {empty}", fmt(other, percent=True), ""]
        rows.append(cells)
    return rows


def process_rows(name: str, data: dict[str, Any]) -> list[list[Any]]:
    """Per process of one configuration: memory after start-up, peak memory, CPU cores at each level."""
    memory = data.get("memory") or {}
    peaks = data.get("peak_rss_bytes") or memory.get("peak_rss_bytes") or {}
    idle = data.get("idle_rss_bytes") or memory.get("idle_rss_bytes") or {}
    rows = []
    for process, peak in peaks.items():
        cores = [fmt((level.get("cpu") or {}).get(f"{process}_cores"), 2) for level in data.get("levels", [])]
        rows.append([name, process.replace("_", " "), mb(idle.get(process)), mb(peak), " / ".join(cores)])
    return rows


def first_line(text: str | None, limit: int = 200) -> str:
    """The first line of a reason, at most `limit` characters (the JSON keeps the whole of it)."""
    return (text or "?").splitlines()[0][:limit] if (text or "").strip() else "?"


def mb(value: int | None) -> str:
    if value is None:
        return "–"
    megabytes = value / 2**20
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"


def scaling_section(results: dict[str, Any]) -> list[str]:
    """Throughput and p95 for every configuration at every level, then CPU and memory per process."""
    configs = configurations(results)
    levels = results.get("load", {}).get("levels", [])
    if not configs:
        return []
    headers = ["configuration"] + [f"{h} @{lv}" for lv in levels for h in ("msg/s", "p95 ms")] + [
        f"speed-up @{max(levels)}" if levels else "speed-up", "errors / no answer", "other CPU use", "note"]
    scaling = results.get("scaling") or {}
    lines = ["## Throughput and p95 by number of Rasa processes", "",
             "Closed loop at each level. The cluster (`make run-cluster`): N Rasa processes behind nginx on "
             f"PostgreSQL and Redis, {scaling.get('action_replicas', '?')} action servers; speed-up: throughput "
             "at the highest level over the cluster's first configuration. Other CPU use: the largest share "
             "of the machine used by other jobs during a level (above ~10 % the figures are inflated).", "",
             md_table(headers, level_table(configs, levels)), "",
             "![latency against concurrency](scaling.png)", "",
             "### CPU and memory per process", "",
             "Memory: resident set (children included) after start-up and its peak under load. Cores: CPU "
             "time per second during each level (" + " / ".join(f"@{lv}" for lv in levels) + ").", ""]
    rows = [row for name, data in configs.items() for row in process_rows(name, data)]
    lines += [md_table(["configuration", "process", "RSS after start-up", "peak RSS", "cores"], rows), ""]
    workers = sanic_workers_verdict(configs)
    if workers:
        lines += ["### Sanic workers", "", workers, ""]
    return lines


def sanic_workers_verdict(configs: dict[str, dict[str, Any]]) -> str | None:
    """One process with several Sanic workers against one process with one and against two processes."""
    one = next((d for n, d in configs.items() if n.startswith("ours, 1 Rasa process (")), None)
    workers = next(((n, d) for n, d in configs.items() if "Sanic workers" in n), None)
    if not one or not workers or "levels" not in one or "levels" not in workers[1]:
        return None
    gains = []
    for level, other in zip(one["levels"], workers[1]["levels"]):
        gains.append(f"@{level['concurrency']}: {fmt(ratio(other['messages_per_second'], level['messages_per_second']), 2)}x "
                     f"throughput, p95 {fmt(level['latency_ms']['p95'], 0)} -> {fmt(other['latency_ms']['p95'], 0)} ms")
    return (f"{workers[0].removeprefix('ours, ')} against one worker: " + "; ".join(gains)
            + ". Kept only where throughput rises and p95 falls at 10 and 50.")


def turn_cost_section(results: dict[str, Any]) -> list[str]:
    growth = results.get("turn_cost") or {}
    if not growth:
        return []
    lines = ["## A turn's cost over a long conversation", ""]
    rows = []
    for system, figures in growth.items():
        if "ratio" in figures:
            rows.append([system, figures["turns"], fmt(figures["first_median_ms"], 0), fmt(figures["last_median_ms"], 0),
                         f"{figures['ratio']:.2f}x"])
        else:
            rows.append([system, "–", "–", "–", f"not measured: {figures.get('error') or figures.get('skipped')}"])
    lines += ["One conversation (`python -m evaluation.turn_cost`), one message at a time; median turn over the "
              "first and the last 20 turns. Target for ours: at most 1.3x.", "",
              md_table(["system", "turns", "median ms, first 20", "median ms, last 20", "last / first"], rows), "",
              "![latency against turn number](turn_cost.png)", ""]
    return lines


def startup_section(results: dict[str, Any]) -> list[str]:
    """Issue #13: the matcher (NLU component) and the action server before and after the terminology."""
    matcher = results.get("matcher")
    action = results.get("action_server_startup")
    if not matcher and not action:
        return []
    lines = ["## Start-up and matcher cost before and after the disease terminology", ""]
    rows = []
    if matcher:
        before, after = matcher["before"], matcher["after"]
        if "error" in before or "error" in after:
            rows.append(["term matcher", "–", "–", "–", f"not measured: {before.get('error') or after.get('error')}"])
        else:
            for label, key, digits, suffix in MATCHER_ROWS:
                rows.append([label, f"{fmt(before[key], digits)} {suffix}", f"{fmt(after[key], digits)} {suffix}",
                             fmt(ratio(after[key], before[key]), 2), f"{before['conditions']} -> {after['conditions']} conditions"])
    if action:
        if "skipped" in action:
            rows.append(["action server start-up (to /health)", "–", "–", "–", f"not measured: {action['skipped']}"])
        else:
            rows.append(["action server start-up (to /health)", f"{fmt(action['before']['median_s'], 2)} s",
                         f"{fmt(action['after']['median_s'], 2)} s", fmt(ratio(action['after']['median_s'],
                                                                             action['before']['median_s']), 2),
                         f"median of {len(action['after']['starts_s'])} starts; before = {action['before']['revision']}"])
    lines += ["Before: the curated vocabulary only (the matcher built without vocabulary/disease_ontology.json; "
              "for the action server, the commit before the terminology in a temporary git worktree). After: "
              "this checkout. Each matcher figure from a fresh process; per message: `TermMatcher.find` over "
              "the routing cases.", "",
              md_table(["figure", "before", "after", "after / before", "note"], rows), ""]
    return lines


def profile_section(results: dict[str, Any]) -> list[str]:
    profile = results.get("profile")
    if not profile:
        return []
    lines = ["## Where a loaded server spends its time", ""]
    if "skipped" in profile:
        return lines + [f"Not profiled: {profile['skipped']}", ""]
    lines += [f"py-spy on each process for {profile['seconds']:g} s while {profile['concurrency']} "
              "conversations ran (`python -m evaluation.profiling`; raw stacks in reports/work/bench/).", ""]
    for name, summary in profile["processes"].items():
        lines += profiling.markdown(summary, name.replace("_", " "))
    return lines


def markdown(results: dict[str, Any]) -> list[str]:
    """Every section of this module, in bench.md's order."""
    return scaling_section(results) + turn_cost_section(results) + startup_section(results) + profile_section(results)


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The headline figures for the terminal."""
    lines = []
    for system, figures in (results.get("turn_cost") or {}).items():
        if "ratio" in figures:
            lines.append(f"long conversation, {system}: {turn_cost.describe(figures)}")
    for name, data in configurations(results).items():
        if "levels" not in data:
            lines.append(f"{name}: not measured ({first_line(data.get('skipped'))})")
            continue
        lines.append(f"{name}: " + ", ".join(f"@{lv['concurrency']} {fmt(lv['messages_per_second'], 1)} msg/s "
                                             f"p95 {fmt(lv['latency_ms']['p95'], 0)} ms" for lv in data["levels"]))
    matcher = results.get("matcher") or {}
    if matcher.get("after_over_before"):
        lines.append(matcher_cost.describe(matcher))
    action = results.get("action_server_startup") or {}
    if "before" in action:
        lines.append(f"action server start-up {action['before']['median_s']} s -> {action['after']['median_s']} s")
    return lines


def plot_scaling(results: dict[str, Any], path: Path) -> bool:
    """p95 and throughput against concurrency, one line per configuration; False when nothing to plot."""
    configs = {name: data for name, data in configurations(results).items() if data.get("levels")}
    if not configs:
        return False
    plt = matplotlib_pyplot()
    fig, (ax_latency, ax_rate) = plt.subplots(1, 2, figsize=(12, 4.8))
    for index, (name, data) in enumerate(configs.items()):
        levels = [level["concurrency"] for level in data["levels"]]
        style = "--s" if name.startswith("baseline") else "-o"
        ax_latency.plot(levels, [level["latency_ms"]["p95"] or 0 for level in data["levels"]], style,
                        color=f"C{index}", label=name)
        ax_rate.plot(levels, [level["messages_per_second"] or 0 for level in data["levels"]], style,
                     color=f"C{index}", label=name)
    from matplotlib.ticker import FuncFormatter, NullFormatter

    measured_levels = sorted({level["concurrency"] for data in configs.values() for level in data["levels"]})
    for ax in (ax_latency, ax_rate):
        ax.set_xscale("log")
        ax.set_xticks(measured_levels)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("concurrent conversations")
        ax.grid(True, which="both", alpha=0.3)
    ax_latency.set_yscale("log")
    ax_latency.set_ylabel("p95 latency per message (ms)")
    ax_latency.set_title("p95 latency against concurrency")
    ax_rate.set_ylim(bottom=0)
    ax_rate.set_ylabel("messages per second")
    ax_rate.set_title("Throughput against concurrency")
    ax_rate.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_turn_cost(growth: dict[str, dict[str, Any]], path: Path) -> bool:
    """Latency of each turn of the long conversation against its number, per system; False when none."""
    measured = {system: figures for system, figures in (growth or {}).items() if figures.get("latencies_ms")}
    if not measured:
        return False
    plt = matplotlib_pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.2))
    highest = 1.0
    for index, (system, figures) in enumerate(measured.items()):
        latencies = figures["latencies_ms"]
        ax.plot(range(1, len(latencies) + 1), latencies, ".", color=f"C{index}", markersize=4,
                label=f"{system} ({figures['ratio']:.2f}x)")
        window = figures["window"]
        for start, median in ((1, figures["first_median_ms"]), (len(latencies) - window + 1, figures["last_median_ms"])):
            ax.hlines(median, start, start + window - 1, colors=f"C{index}", linewidth=2)
        highest = max(highest, sorted(latencies)[int(0.98 * (len(latencies) - 1))] * 1.3)
    ax.set_xlabel("turn of the conversation")
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0, top=highest)
    ax.set_title("One conversation, turn by turn (bars: medians of the first and last 20 turns)")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
