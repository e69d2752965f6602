"""Start, wait for and stop the bot's processes (action server, Rasa server, widget site, console)."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from settings import PROJECT_ROOT, Settings, load_settings

VENV_BIN = Path(sys.executable).parent
LOG_DIR = PROJECT_ROOT / "var" / "log"


def service_environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment for child processes: ours plus every effective setting, defaults included.

    Rasa substitutes `${ACTION_PORT}` and `${DATABASE_URL}` in endpoints.yml from this environment.
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        RASA_PORT=str(settings.rasa_port),
        ACTION_PORT=str(settings.action_port),
        WEB_PORT=str(settings.web_port),
        CONSOLE_PORT=str(settings.console_port),
        ALLOWED_ORIGINS=",".join(settings.allowed_origins),
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
        # TensorFlow's start-up chatter hides the lines a person needs to read.
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.update(overrides)
    return env


@dataclass
class Service:
    """One child process with its log file and the URL that answers once it is ready."""

    name: str
    command: list[str]
    ready_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self) -> "Service":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env or None, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self, timeout_seconds: float = 180) -> float:
        """Poll `ready_url` until it answers; return the seconds it took. Raise if the process died."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_seconds:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode} before it was ready; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2):
                    return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.3)
        raise TimeoutError(f"{self.name} did not answer at {self.ready_url} within {timeout_seconds:.0f} s; "
                           f"last lines of {self.log_path}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def describe(self) -> str:
        return f"{self.name}: {shlex.join(self.command)}"


def action_server(settings: Settings, env: dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    return Service(
        name="action server",
        command=[str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions",
                 "--port", str(settings.action_port)],
        ready_url=f"http://127.0.0.1:{settings.action_port}/health",
        log_path=log_dir / "actions.log",
        env=env,
    )


def rasa_server(settings: Settings, env: dict[str, str], model: str | Path = "models",
                log_dir: Path = LOG_DIR, name: str = "Rasa server") -> Service:
    """The Rasa server with the REST channel; CORS allows only the configured site origins."""
    return Service(
        name=name,
        command=[str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(settings.rasa_port),
                 "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                 "--cors", *settings.allowed_origins],
        ready_url=f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/",
        log_path=log_dir / f"{name.lower().replace(' ', '-')}.log",
        env=env,
    )


def start_bot(settings: Settings | None = None, model: str | Path = "models",
              log_dir: Path = LOG_DIR) -> list[Service]:
    """Start the action server and the Rasa server and wait until both answer."""
    settings = settings or load_settings()
    env = service_environment(settings)
    services = [action_server(settings, env, log_dir), rasa_server(settings, env, model, log_dir)]
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
    except Exception:
        stop_all(services)
        raise
    return services


def stop_all(services: list[Service]) -> None:
    for service in reversed(services):
        service.stop()
