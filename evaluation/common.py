"""Shared tooling of `make eval` and `make bench`: models, bot processes, the REST client, data files,
memory sampling and report writing.

Every bot this package starts (ours, the baseline) gets free ports of its own, its own SQLite database
(the knowledge store is built into it) and its own log folder, so runs never touch `make run`'s bot,
the test suite's bot (ports 5105/5155) or each other.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from settings import PROJECT_ROOT, Settings, load_settings
from stack.processes import VENV_BIN, Service, action_server, rasa_server, service_environment, stop_all

EVALUATION_DIR = Path(__file__).resolve().parent
BASELINE_CONFIG = EVALUATION_DIR / "baseline" / "config.yml"
DEFAULT_REPORTS = PROJECT_ROOT / "reports"
RASA = str(VENV_BIN / "rasa")
PYTHON = str(VENV_BIN / "python")

CLINC_ATTRIBUTION = (
    "Out-of-domain messages: CLINC150 (Larson et al., 2019, \"An Evaluation Dataset for Intent "
    "Classification and Out-of-Scope Prediction\", github.com/clinc/oos-eval), licensed under "
    "Creative Commons Attribution 3.0 (CC BY 3.0)."
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- models ------------------------------------------------------------------------------------------

def newest_model(folder: Path) -> Path | None:
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for Rasa CLI calls: the project on PYTHONPATH, no telemetry, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
        PYTHONWARNINGS="ignore",
    )
    env.update(overrides)
    return env


def run_logged(command: list[str], log_path: Path, env: dict[str, str] | None = None,
               check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a command from the checkout with its output in `log_path`; on failure show the log's tail."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as out:
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env or child_environment(), stdout=out,
                                stderr=subprocess.STDOUT, timeout=timeout)
    if check and result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"`{' '.join(command)}` failed with exit code {result.returncode}; "
                           f"last lines of {log_path}:\n{tail}")
    return result


def smoke_config(source: Path, target: Path, epochs: int = 1) -> Path:
    """A copy of a Rasa config with every `epochs` set to `epochs` (for the quick smoke runs)."""
    config = yaml.safe_load(source.read_text())
    for section in ("pipeline", "policies"):
        for component in config.get(section) or []:
            if "epochs" in component:
                component["epochs"] = epochs
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


@dataclass
class TrainResult:
    model: Path
    seconds: float
    config: Path
    forced: bool


def train_model(config: Path, out_dir: Path, log_path: Path, fixed_name: str | None = None,
                force: bool = False) -> TrainResult:
    """`rasa train` on the project's domain and data into `out_dir` (never into models/).

    Without `force`, Rasa reuses the components it finds in its training cache, so an unchanged
    baseline is packaged again in seconds; the model still reflects the current data.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [RASA, "train", "--config", str(config), "--domain", "domain.yml", "--data", "data",
               "--out", str(out_dir)]
    if fixed_name:
        command += ["--fixed-model-name", fixed_name]
    if force:
        command.append("--force")
    started = time.monotonic()
    run_logged(command, log_path)
    seconds = time.monotonic() - started
    model = out_dir / f"{fixed_name}.tar.gz" if fixed_name else newest_model(out_dir)
    if model is None or not model.exists():
        raise RuntimeError(f"rasa train wrote no model into {out_dir} (log: {log_path})")
    return TrainResult(model=model, seconds=seconds, config=config, forced=force)


def train_baseline(out_dir: Path, smoke: bool, log_dir: Path) -> TrainResult:
    """The baseline (`rasa init`'s effective config) trained on the project's current domain and data.

    Smoke runs use one epoch per neural component, in their own folder, so they never replace the
    full baseline of a previous `make eval`.
    """
    if smoke:
        config = smoke_config(BASELINE_CONFIG, out_dir / "baseline-smoke" / "config.yml")
        return train_model(config, out_dir / "baseline-smoke", log_dir / "train-baseline-smoke.log",
                           fixed_name="baseline")
    return train_model(BASELINE_CONFIG, out_dir / "baseline", log_dir / "train-baseline.log",
                       fixed_name="baseline")


def our_model(explicit: str | None = None) -> Path:
    if explicit:
        path = Path(explicit)
        model = newest_model(path) if path.is_dir() else path
    else:
        model = newest_model(PROJECT_ROOT / "models")
    if model is None or not model.exists():
        raise SystemExit("No trained model in models/: run `make train` first (make eval/bench do it).")
    return model


# --- the running bot ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def knowledge_cli_available() -> bool:
    return (PROJECT_ROOT / "knowledge" / "__main__.py").exists()


@dataclass
class BotStack:
    """An action server and a Rasa server for one model, with their own ports, database and logs."""

    label: str
    model: Path
    workdir: Path
    settings: Settings
    services: list[Service] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.settings.rasa_url}/webhooks/rest/webhook"

    @property
    def rasa_service(self) -> Service:
        return self.services[1]

    @property
    def action_service(self) -> Service:
        return self.services[0]

    def env(self) -> dict[str, str]:
        return child_environment(**{k: v for k, v in service_environment(self.settings).items()
                                    if k in {"DATABASE_URL", "RASA_PORT", "ACTION_PORT", "ACTION_HOST",
                                             "ACTION_SERVER_TOKEN"}})

    def stop(self) -> None:
        stop_all(self.services)

    def __enter__(self) -> "BotStack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_stack(label: str, model: Path, workdir: Path, rasa_port: int | None = None,
                action_port: int | None = None) -> BotStack:
    """Build the knowledge store into a fresh SQLite file, start both servers, wait for a first answer.

    `timings` holds `action_server_ready_s`, `rasa_ready_s` (the REST channel answers) and
    `rasa_first_answer_s` (from the Rasa process's start until its first reply to a message).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / f"{label}.db"
    if db_path.exists():
        db_path.unlink()
    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{db_path}",
        rasa_port=rasa_port or free_port(), action_port=action_port or free_port())
    stack = BotStack(label=label, model=model, workdir=workdir, settings=settings)
    env = service_environment(settings, RASA_TELEMETRY_ENABLED="false")
    log_dir = workdir / "logs"
    if knowledge_cli_available():
        run_logged([PYTHON, "-m", "knowledge", "build"], log_dir / f"{label}-knowledge-build.log", env=env)
    else:
        log(f"warning: knowledge/__main__.py does not exist yet; {label} bot runs without a knowledge store")
    stack.services = [action_server(settings, env, log_dir),
                      rasa_server(settings, env, model=model, log_dir=log_dir, name=f"{label} Rasa server")]
    try:
        stack.services[0].start()
        stack.timings["action_server_ready_s"] = stack.services[0].wait_ready()
        rasa_started = time.monotonic()
        stack.services[1].start()
        stack.timings["rasa_ready_s"] = stack.services[1].wait_ready(timeout_seconds=300)
        while True:
            try:
                post_message_sync(stack.url, f"warmup-{uuid.uuid4().hex[:8]}", "hello", timeout=60)
                break
            except OSError:
                if time.monotonic() - rasa_started > 300:
                    raise
                time.sleep(0.2)
        stack.timings["rasa_first_answer_s"] = time.monotonic() - rasa_started
    except Exception:
        stack.stop()
        raise
    log(f"{label} bot ready on port {settings.rasa_port} (actions {settings.action_port}) after "
        f"{stack.timings['rasa_first_answer_s']:.1f} s; model {model.name}")
    return stack


def post_message_sync(url: str, sender: str, message: str, timeout: float = 30) -> list[dict]:
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


# --- the reply protocol ------------------------------------------------------------------------------

def reply_meta(replies: list[dict]) -> dict | None:
    """The machine-readable `meta` of a turn (the last one when the bot sent several), or None."""
    found = None
    for reply in replies or []:
        custom = reply.get("custom") if isinstance(reply, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("meta"), dict):
            found = custom["meta"]
    return found


def reply_text(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies or [] if isinstance(r, dict) and r.get("text"))


async def post_message(session, url: str, sender: str, message: str, timeout: float = 30) -> list[dict]:
    import aiohttp

    async with session.post(url, json={"sender": sender, "message": message},
                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
        return await response.json(content_type=None)


async def run_conversations(url: str, conversations: list[list[str]], concurrency: int = 4,
                            timeout: float = 60) -> list[list[dict[str, Any]]]:
    """Send each conversation (a list of messages, one fresh sender per conversation) through the bot,
    `concurrency` conversations at a time. Returns per message {message, replies, meta, error}."""
    import aiohttp

    results: list[list[dict[str, Any]]] = [[] for _ in conversations]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(conversations)):
        queue.put_nowait(index)
    run_id = uuid.uuid4().hex[:8]

    async def worker(session):
        while not queue.empty():
            index = queue.get_nowait()
            sender = f"eval-{run_id}-{index}"
            for message in conversations[index]:
                entry: dict[str, Any] = {"message": message, "replies": [], "meta": None, "error": None}
                try:
                    entry["replies"] = await post_message(session, url, sender, message, timeout)
                    entry["meta"] = reply_meta(entry["replies"])
                except Exception as error:  # noqa: BLE001 - every failure is recorded, not raised
                    entry["error"] = f"{error.__class__.__name__}: {error}"
                results[index].append(entry)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return results


# --- data files --------------------------------------------------------------------------------------

_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_SPACES = re.compile(r"\s+")


def strip_entity_markup(text: str) -> str:
    return _ENTITY_MARKUP.sub(r"\1", text)


def normalise_text(text: str) -> str:
    return _SPACES.sub(" ", strip_entity_markup(text)).strip().lower()


def _examples(block: Any) -> list[str]:
    if isinstance(block, str):
        lines = []
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                lines.append(line[2:].strip())
            elif line == "-":
                continue
        return lines
    if isinstance(block, list):
        return [str(item.get("text", "")).strip() if isinstance(item, dict) else str(item).strip()
                for item in block]
    return []


def read_nlu_examples(path: Path) -> list[tuple[str | None, str]]:
    """(intent or None, plain text) of every example in an NLU YAML file (intents, synonyms, lookups)."""
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in content.get("nlu") or []:
        if not isinstance(item, dict):
            continue
        intent = item.get("intent")
        for text in _examples(item.get("examples")):
            examples.append((intent, strip_entity_markup(text)))
    return examples


def training_nlu_files() -> list[Path]:
    files = []
    for folder in (PROJECT_ROOT / "data" / "nlu", PROJECT_ROOT / "data" / "generated"):
        files += sorted(folder.rglob("*.yml")) + sorted(folder.rglob("*.yaml"))
    return files


def training_texts() -> set[str]:
    texts = set()
    for path in training_nlu_files():
        texts.update(normalise_text(text) for _, text in read_nlu_examples(path))
    return texts


def clinc_exclusion_rule():
    """`is_excluded(text, clinc_intent)` of scripts/sample_clinc.py (rows about health, relatives or the
    bot's own intents, which are not clearly out of scope), or None where the script does not exist."""
    import importlib.util

    path = PROJECT_ROOT / "scripts" / "sample_clinc.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("sample_clinc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "is_excluded", None)


def heldout_out_of_domain(n: int, seed: int = 13, exclude: set[str] | None = None) -> tuple[list[str], dict]:
    """`n` CLINC `out_of_domain` messages that are in no training file, sampled with a fixed seed.

    Rows that scripts/sample_clinc.py's `is_excluded` leaves out of training because they are not
    clearly out of scope (health, relatives, the bot's own intents) are left out here too.
    """
    import csv
    import random

    path = PROJECT_ROOT / "data" / "external" / "clinc" / "train.tsv"
    exclude = training_texts() if exclude is None else exclude
    is_excluded = clinc_exclusion_rule()
    rows, in_training, not_clearly_out = [], 0, 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("role") != "out_of_domain" or not row.get("text"):
                continue
            if normalise_text(row["text"]) in exclude:
                in_training += 1
                continue
            if is_excluded is not None and is_excluded(row["text"], row.get("clinc_intent", "")):
                not_clearly_out += 1
                continue
            rows.append(row["text"].strip())
    unique = sorted(set(rows))
    sample = random.Random(seed).sample(unique, min(n, len(unique)))
    return sample, {"pool": len(unique), "excluded_in_training": in_training,
                    "excluded_not_clearly_out_of_scope": not_clearly_out, "sampled": len(sample),
                    "seed": seed}


def heldout_in_domain(test_file: Path, n: int | None = None, seed: int = 13) -> list[tuple[str, str]]:
    """(intent, text) of the held-out NLU test messages whose intent is not out_of_scope
    (all of them, or a fixed-seed sample of `n`)."""
    import random

    if not test_file.exists():
        return []
    examples = [(intent, text) for intent, text in read_nlu_examples(test_file)
                if intent and intent != "out_of_scope" and text]
    if n is not None and n < len(examples):
        examples = random.Random(seed).sample(examples, n)
    return examples


# --- memory ------------------------------------------------------------------------------------------

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


# --- statistics and reports --------------------------------------------------------------------------

def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    position = (len(data) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (position - low))


def ratio(ours: float | None, baseline: float | None) -> float | None:
    if ours is None or baseline in (None, 0):
        return None
    return ours / baseline


def fmt(value: Any, digits: int = 3, percent: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if percent:
            return f"{100 * value:.1f} %"
        if isinstance(value, int):
            return str(value)
        return f"{value:.{digits}f}"
    return str(value)


def md_table(headers: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def git_revision() -> str | None:
    try:
        revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, text=True,
                                  capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT, text=True,
                               capture_output=True).stdout.strip()
        return revision + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def run_header(kind: str, smoke: bool) -> dict[str, Any]:
    import platform

    return {
        "kind": kind,
        "smoke": smoke,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_revision": git_revision(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_average_at_start": os.getloadavg()},
    }


def reset_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def matplotlib_pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def python_executable() -> str:
    return sys.executable
