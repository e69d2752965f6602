"""Start-up of the action server before and after the disease terminology (issue #13), in one run.

"After" is this checkout; "before" is the commit before vocabulary/disease_ontology.json was added,
checked out into a temporary `git worktree` (removed afterwards) and run with the same virtualenv. Each
side gets its own knowledge store (`python -m knowledge build` of its own code into its own SQLite file)
and its action server is started by stack/processes.py's own service definition; start-up is the time
from the process's start until `/health` answers, the median of a few starts taken in turn (before,
after, before, ...) so a busy moment of the machine does not fall on one side only, after one untimed
start of each (bytecode compiled, libraries in the page cache).

    python -m evaluation.startup [--starts 3] [--before-revision REV]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from evaluation.processes import free_port
from evaluation.reports import log
from evaluation.training import PYTHON, run_logged
from settings import PROJECT_ROOT, load_settings
from stack.processes import action_server, service_environment

ONTOLOGY_FILE = "knowledge/vocabulary/disease_ontology.json"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.strip()


def revision_before_ontology() -> str | None:
    """The parent of the commit that added the terminology file (None where git knows no such commit)."""
    try:
        added = _git("log", "--diff-filter=A", "--format=%H", "--", ONTOLOGY_FILE).splitlines()
        return _git("rev-parse", f"{added[-1]}^") if added else None
    except (OSError, subprocess.CalledProcessError):
        return None


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """`revision` checked out into a temporary, detached git worktree, removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="bench-before-"))
    _git("worktree", "add", "--detach", str(folder), revision)
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=PROJECT_ROOT,
                       capture_output=True)


def prepare(root: Path, workdir: Path, label: str) -> dict[str, str]:
    """The environment for `root`'s action server: its own knowledge store built by its own code."""
    db_path = workdir / f"{label}.db"
    db_path.unlink(missing_ok=True)
    settings = dataclasses.replace(load_settings(), database_url=f"sqlite:///{db_path}", bind_host="127.0.0.1")
    env = service_environment(settings, PYTHONPATH=str(root), RASA_TELEMETRY_ENABLED="false")
    run_logged([PYTHON, "-m", "knowledge", "build"], workdir / "logs" / f"{label}-knowledge-build.log", env=env, cwd=root)
    return env


def time_action_server(root: Path, env: dict[str, str], log_dir: Path, label: str) -> float:
    """Seconds from starting `root`'s action server until `/health` answers (then it is stopped)."""
    settings = dataclasses.replace(load_settings(), bind_host="127.0.0.1", action_port=free_port())
    service = action_server(settings, {**env, "ACTION_PORT": str(settings.action_port)}, log_dir,
                            name=f"action server ({label})", log_name=f"actions-{label}.log")
    service.cwd = root
    started = time.monotonic()
    service.start()
    try:
        service.wait_ready(timeout_seconds=120)
        return time.monotonic() - started
    finally:
        service.stop()


def before_and_after(workdir: Path, starts: int = 3, before_revision: str | None = None) -> dict[str, Any]:
    """The action server's start-up at `before_revision` (default: before the terminology) and here."""
    revision = before_revision or revision_before_ontology()
    if revision is None:
        return {"skipped": f"git knows no commit that added {ONTOLOGY_FILE}"}
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with checkout(revision) as before_root:
            envs = {"before": prepare(before_root, workdir, "before"), "after": prepare(PROJECT_ROOT, workdir, "after")}
            roots = {"before": before_root, "after": PROJECT_ROOT}
            seconds: dict[str, list[float]] = {"before": [], "after": []}
            # one untimed start per side: the fresh checkout has no compiled bytecode yet, and the first
            # start of either side reads its libraries from disk
            for side in ("before", "after"):
                time_action_server(roots[side], envs[side], workdir / "logs", side)
            for _ in range(starts):
                for side in ("before", "after"):
                    seconds[side].append(round(time_action_server(roots[side], envs[side], workdir / "logs", side), 2))
    except Exception as error:  # noqa: BLE001 - reported in bench.md instead of ending the bench
        return {"skipped": f"{error.__class__.__name__}: {str(error)[:300]}"}
    result = {side: {"median_s": round(statistics.median(values), 2), "starts_s": values}
              for side, values in seconds.items()}
    result["before"]["revision"] = revision[:10]
    result["after"]["revision"] = "this checkout"
    log(f"action server start-up: {result['before']['median_s']} s before the terminology, "
        f"{result['after']['median_s']} s with it")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.startup", description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--before-revision", help="default: the commit before the terminology file was added")
    parser.add_argument("--workdir", type=Path, default=PROJECT_ROOT / "reports" / "work" / "startup")
    args = parser.parse_args(argv)
    print(json.dumps(before_and_after(args.workdir, args.starts, args.before_revision), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
