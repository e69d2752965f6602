"""One bot (action server and Rasa server) for a measurement, started with stack/processes.py's own
service definitions on free ports, with its own SQLite database (the knowledge store built into it) and
its own log folder, so runs never touch `make run`'s bot, the test suite's (ports 5105/5155) or each
other. The cluster of several processes is evaluation/cluster_bench.py, on stack/cluster.py."""
from __future__ import annotations

import dataclasses
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.reports import log
from evaluation.rest_client import post_message_sync
from evaluation.training import PYTHON, child_environment, run_logged
from settings import PROJECT_ROOT, Settings, load_settings
from stack.processes import Service, action_server, rasa_server, service_environment, stop_all


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
