"""What a process tree costs while it runs, read from /proc: resident memory (children included) and
CPU time, per process and for the machine."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: the fields start after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    children = _children_map()
    tree, stack = [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        stack.extend(children.get(current, []))
    return tree


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (0 if it is gone)."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


class RssSampler:
    """Samples the RSS (children included) of named processes in a thread; keeps the peak of each."""

    def __init__(self, pids: dict[str, int], interval: float = 0.2):
        self.pids = pids
        self.interval = interval
        self.peak: dict[str, int] = {name: 0 for name in pids}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        for name, pid in self.pids.items():
            self.peak[name] = max(self.peak[name], rss_bytes(pid))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _tree_cpu_ticks(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _busy_ticks() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


class CpuMonitor:
    """CPU use during a measurement, from /proc: ours (the bot's process trees and this process, which
    runs the load client) and everything else on the machine. A high `other_share` means another job
    competed for the CPUs and the latency figures are inflated."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.ticks_per_second = os.sysconf("SC_CLK_TCK")

    def _snapshot(self) -> dict[str, float]:
        times = os.times()
        return {"time": time.monotonic(), "busy": _busy_ticks(),
                # this process (the load client) and its finished children (a timed `rasa train`)
                "self": (times.user + times.system + times.children_user + times.children_system)
                * self.ticks_per_second,
                **{name: _tree_cpu_ticks(pid) for name, pid in self.pids.items()}}

    def __enter__(self) -> "CpuMonitor":
        self.start = self._snapshot()
        return self

    def __exit__(self, *exc) -> None:
        self.end = self._snapshot()

    def figures(self) -> dict[str, float]:
        elapsed = self.end["time"] - self.start["time"]
        capacity = elapsed * (os.cpu_count() or 1) * self.ticks_per_second
        delta = {key: self.end[key] - self.start[key] for key in self.start if key != "time"}
        ours = sum(v for k, v in delta.items() if k not in {"busy"})
        result = {f"{name}_cores": delta[name] / self.ticks_per_second / elapsed for name in self.pids}
        result["load_client_cores"] = delta["self"] / self.ticks_per_second / elapsed
        # clock ticks are coarse (10 ms): over a short interval the shares can leave 0..1 slightly
        result["other_share"] = min(1.0, max(0.0, (delta["busy"] - ours) / capacity)) if capacity else 0.0
        result["total_busy_share"] = min(1.0, delta["busy"] / capacity) if capacity else 0.0
        return {k: round(v, 3) for k, v in result.items()}
