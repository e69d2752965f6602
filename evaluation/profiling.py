"""Where a running server spends its time: py-spy samples a process tree, this summarises the stacks.

    python -m evaluation.profiling --pid PID [--seconds 20] [--out reports/work/profile-rasa.txt]

`record()` runs `py-spy record --format raw` (collapsed stacks, one line per distinct stack with its
sample count) on a live process while load runs elsewhere; `summarise()` reads such a
file and ranks functions by their own time (the function was on top of the stack) and by inclusive
time (it was anywhere on the stack). `make bench` keeps both tables in its report. py-spy reads the
target's memory, so it needs the same user as the target (or root) and a kernel that allows ptrace.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from stack.processes import VENV_BIN

# A frame of py-spy's raw format with --function: "name (path/to/file.py)"; with line numbers
# "name (path/to/file.py:123)". Thread and process frames ("thread (0x7f..)", "process 12:...") are not
# functions and are left out of the tables.
_FRAME = re.compile(r"^(?P<name>.+?) \((?P<file>[^()]+?)(?::\d+)?\)$")
_SITE_PACKAGES = re.compile(r".*/(?:site|dist)-packages/")
# Leaves where a process waits rather than works: uvloop's event loop (C, so py-spy sees Sanic's `serve`
# on top while it sits in epoll) and the log writer reading its service's output. Counted as idle.
IDLE_LEAVES = frozenset({"serve (sanic/server/runners.py)", "pipe_to_log (settings/logging.py)"})


def py_spy() -> str | None:
    """The py-spy executable of the venv (a test/dev dependency) or on PATH, or None."""
    candidate = VENV_BIN / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def server_pid(pid: int) -> int:
    """The server itself under a `Service`'s process: the log writer's only child, else `pid`."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pid
    return int(children[0]) if len(children) == 1 else pid


def record(pid: int, seconds: float, out_path: Path, rate: int = 100) -> subprocess.Popen:
    """Start sampling `pid` and its children for `seconds` into `out_path`; wait on the returned process."""
    executable = py_spy()
    if executable is None:
        raise FileNotFoundError("py-spy is not installed: `.venv/bin/pip install -e '.[test]'` brings it")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    command = [executable, "record", "--pid", str(pid), "--function", "--nonblocking",
               "--format", "raw", "--rate", str(rate), "--duration", str(max(1, round(seconds))),
               "--output", str(out_path)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def short_frame(frame: str) -> str | None:
    """'save (rasa/core/tracker_store.py)' for a function frame (site-packages dropped), else None."""
    match = _FRAME.match(frame.strip())
    if not match or match["name"].startswith(("process ", "thread ")):
        return None
    return f"{match['name']} ({_SITE_PACKAGES.sub('', match['file'])})"


def summarise(raw_text: str, top: int = 15) -> dict[str, Any]:
    """The functions with the most own and inclusive samples in py-spy's raw (collapsed) output."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = idle = 0
    for line in raw_text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [name for name in (short_frame(frame) for frame in stack.split(";")) if name]
        if not frames:
            continue
        if frames[-1] in IDLE_LEAVES:
            idle += samples
            continue
        total += samples
        own[frames[-1]] += samples
        for name in set(frames):
            inclusive[name] += samples

    def ranked(counter: Counter, below: float = 1.0) -> list[dict[str, Any]]:
        rows = [{"function": name, "samples": samples, "share": round(samples / total, 3)}
                for name, samples in counter.most_common() if samples <= below * total]
        return rows[:top]

    # the entry points every sample passes through (main, the event loop, Sanic's request task) say
    # nothing: the inclusive table starts below 90 %
    return {"samples": total, "idle_samples": idle, "own": ranked(own),
            "inclusive": ranked(inclusive, below=0.9)}


def profile(pid: int, seconds: float, out_path: Path, top: int = 15) -> dict[str, Any]:
    """Record the server under `pid` for `seconds` (load must run meanwhile, from another thread) and
    summarise it."""
    process = record(server_pid(pid), seconds, out_path)
    _, errors = process.communicate(timeout=seconds + 60)
    if process.returncode != 0 or not out_path.exists():
        reason = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return {"error": f"py-spy exit code {process.returncode}: {reason[0]}"}
    return {**summarise(out_path.read_text(errors="replace"), top), "raw": str(out_path)}


def markdown(summary: dict[str, Any], label: str) -> list[str]:
    """Two small tables (own, inclusive) for the bench report."""
    if "error" in summary:
        return [f"Profile of {label}: not recorded ({summary['error']}).", ""]
    lines = [f"**{label}**, {summary['samples']} busy samples (py-spy, 100 Hz; {summary['idle_samples']} idle "
             "ones left out). Inclusive: the function or anything it called was running.", "",
             "| own time | function | | inclusive | function |", "| ---: | --- | --- | ---: | --- |"]
    for own, incl in zip(summary["own"], summary["inclusive"]):
        lines.append(f"| {100 * own['share']:.1f} % | `{own['function']}` | | {100 * incl['share']:.1f} % | "
                     f"`{incl['function']}` |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.profiling", description=__doc__.split("\n")[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out", type=Path, default=Path("reports/work/profile.txt"))
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    summary = profile(args.pid, args.seconds, args.out, args.top)
    print("\n".join(markdown(summary, f"process {args.pid}")))
    return 0 if "error" not in summary else 1


if __name__ == "__main__":
    sys.exit(main())
