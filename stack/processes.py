"""Start, wait for and stop the bot's processes (action server, Rasa server, widget site, console).

Every service listens on `BIND_HOST` (127.0.0.1 unless set). The Rasa server and the action server
share a secret (`ACTION_SERVER_TOKEN`, or one made here for each start); the Rasa server refuses request
bodies above `MAX_REQUEST_BYTES` before reading them. `stack.supervisor` restarts what dies.
"""
from __future__ import annotations

import os
import secrets
import shlex
import signal
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
# The log writer (redaction, daily rotation, retention) every service runs under, and the Rasa server's
# logging configuration; both belong to settings/ (see settings/logging.py).
LOG_WRITER = PROJECT_ROOT / "settings" / "logging.py"
RASA_LOGGING_CONFIG = PROJECT_ROOT / "settings" / "logging.yml"


def action_server_token(settings: Settings) -> str:
    """The secret the Rasa server sends to the action server: the setting, or a random one made once
    per launching process.

    A made token is also put into this process's environment, so every process started from here later
    (restarts, `rasa test` in the evaluation, a second `service_environment` call) gets the same one,
    and `load_settings()` in this process returns it.
    """
    if settings.action_server_token:
        return settings.action_server_token
    made = os.environ.get("ACTION_SERVER_TOKEN", "").strip()
    if not made:
        made = secrets.token_urlsafe(32)
        os.environ["ACTION_SERVER_TOKEN"] = made
    return made


def service_environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment for child processes: ours plus every effective setting, defaults included.

    Rasa substitutes `${ACTION_HOST}`, `${ACTION_PORT}`, `${ACTION_SERVER_TOKEN}` and `${DATABASE_URL}`
    in endpoints.yml from this environment.
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        RASA_PORT=str(settings.rasa_port),
        ACTION_PORT=str(settings.action_port),
        ACTION_HOST=settings.connect_host,
        ACTION_SERVER_TOKEN=action_server_token(settings),
        BIND_HOST=settings.bind_host,
        WEB_PORT=str(settings.web_port),
        CONSOLE_PORT=str(settings.console_port),
        ALLOWED_ORIGINS=",".join(settings.allowed_origins),
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
        # TensorFlow's start-up chatter hides the lines a person needs to read.
        TF_CPP_MIN_LOG_LEVEL="2",
        # Rasa's own log lines as JSON, so the redacting filter (settings/logging.py) can drop their
        # user-text fields; unbuffered, so a crashing process's last lines reach its log.
        FORCE_JSON_LOGGING="1",
        PYTHONUNBUFFERED="1",
    )
    # Sanic reads SANIC_* variables: only the Rasa server gets its request limit (see rasa_server).
    env.pop("SANIC_REQUEST_MAX_SIZE", None)
    env.update(overrides)
    return env


def http_status(url: str, timeout: float = 2) -> int | None:
    """The HTTP status `url` answers GET with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def describe_exit(returncode: int | None) -> str:
    """'exit code 1' or 'killed by signal SIGKILL (9)'. The log writer, like a shell, reports a command
    killed by signal N as exit code 128 + N."""
    if returncode is None:
        return "still running"
    number = -returncode if returncode < 0 else returncode - 128 if 128 < returncode <= 128 + 64 else None
    if number is None:
        return f"exit code {returncode}"
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = "signal"
    shown = f"killed by signal {name} ({number})"
    return shown if returncode < 0 else f"{shown}, exit code {returncode}"


def logged(command: list[str], log_path: Path) -> tuple[list[str], bool]:
    """`command` run under the log writer into `log_path` (redacted, rotated daily, old files deleted),
    and whether it is; without settings/logging.py the service's output goes to the file as it is."""
    if not LOG_WRITER.exists():
        return command, False
    return [str(VENV_BIN / "python"), "-m", "settings.logging", "--log-file", str(log_path), "--", *command], True


@dataclass
class Service:
    """One child process with its log file and the URL that answers once it is ready."""

    name: str
    command: list[str]
    ready_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    # True when `command` writes `log_path` itself (the log writer): one writer per file, so the
    # service's own output is not added to it; the writer's own errors reach the stack's output
    writes_log: bool = False
    # where the command runs: the checkout, unless a measurement runs another revision's code
    cwd: Path = PROJECT_ROOT

    def start(self) -> "Service":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.writes_log:
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env or None,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
            return self
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env or None, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def answers(self, timeout: float = 1) -> bool:
        """One look at `ready_url`: does the service answer a request (2xx or 3xx)?"""
        status = http_status(self.ready_url, timeout=timeout)
        return status is not None and status < 400

    def wait_ready(self, timeout_seconds: float = 180) -> float:
        """Poll `ready_url` until it answers; return the seconds it took. Raise if the process died."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_seconds:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} stopped ({describe_exit(self.process.returncode)}) before it was ready; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            if self.answers(timeout=2):
                return time.monotonic() - started
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} did not answer at {self.ready_url} within {timeout_seconds:.0f} s; "
                           f"last lines of {self.log_path}:\n{self.log_tail()}")

    def stop(self, timeout_seconds: float = 15) -> None:
        """SIGTERM to the process group, SIGKILL if it is still there after `timeout_seconds`."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout_seconds)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def stop_leftovers(self, timeout_seconds: float = 5) -> None:
        """After the service's process died: stop what is left of its process group (the service itself
        when only the log writer was killed), so a restart finds its port free."""
        if self.process is None or self.process.poll() is None:
            return
        group = self.process.pid
        for signum in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, signum)
            except (ProcessLookupError, PermissionError):
                return
            deadline = time.monotonic() + timeout_seconds
            while time.monotonic() < deadline:
                try:
                    os.killpg(group, 0)
                except (ProcessLookupError, PermissionError):
                    return
                time.sleep(0.1)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def describe(self) -> str:
        return f"{self.name}: {shlex.join(self.command)}"


def make_service(name: str, command: list[str], ready_url: str, log_path: Path, env: dict[str, str]) -> Service:
    """One of the bot's services, its output going through the log writer into `log_path`."""
    command, writes_log = logged(command, log_path)
    return Service(name=name, command=command, ready_url=ready_url, log_path=log_path, env=env,
                   writes_log=writes_log)


def action_server(settings: Settings, env: dict[str, str], log_dir: Path = LOG_DIR,
                  actions: str = "actions", name: str = "action server", log_name: str = "actions.log") -> Service:
    """Our authenticated action server (actions/server.py), not `rasa run actions`, on ACTION_PORT."""
    return make_service(
        name,
        [str(VENV_BIN / "python"), "-m", "actions.server", "--actions", actions,
         "--host", settings.bind_host, "--port", str(settings.action_port)],
        f"http://{settings.connect_host}:{settings.action_port}/health", log_dir / log_name, env)


def rasa_ready_url(host: str, port: int) -> str:
    """The URL that answers 200 only while the Rasa server at `host:port` has a model loaded
    (server/channel.py's readiness route; credentials.yml registers the channel as "rest")."""
    return f"http://{host}:{port}/webhooks/rest/ready"


def rasa_server(settings: Settings, env: dict[str, str], model: str | Path = "models",
                log_dir: Path = LOG_DIR, name: str = "Rasa server", endpoints: str = "endpoints.yml") -> Service:
    """The Rasa server with the channels of credentials.yml; CORS allows only the configured site
    origins; bodies above MAX_REQUEST_BYTES are refused with 413 before anything reads them.
    `endpoints`: endpoints.yml, or a cluster replica's endpoints.cluster.yml (with the lock store)."""
    command = [str(VENV_BIN / "rasa"), "run", "--model", str(model), "-i", settings.bind_host,
               "--port", str(settings.rasa_port), "--endpoints", endpoints, "--credentials", "credentials.yml",
               "--cors", *settings.allowed_origins]
    if RASA_LOGGING_CONFIG.exists():
        command += ["--logging-config-file", str(RASA_LOGGING_CONFIG.relative_to(PROJECT_ROOT))]
    return make_service(
        name, command,
        # the strict channel's readiness route: Rasa's root route answers even when the model failed to load
        rasa_ready_url(settings.connect_host, settings.rasa_port),
        log_dir / f"{name.lower().replace(' ', '-')}.log",
        {**env, "SANIC_REQUEST_MAX_SIZE": str(settings.max_request_bytes)})


def web_page(settings: Settings, env: dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    """The patients' page with the chat widget (web/serve.py)."""
    return make_service(
        "widget page",
        [str(VENV_BIN / "python"), "web/serve.py", "--host", settings.bind_host, "--port", str(settings.web_port)],
        f"http://{settings.connect_host}:{settings.web_port}/", log_dir / "web.log", env)


def console(settings: Settings, env: dict[str, str], log_dir: Path = LOG_DIR) -> Service:
    """The international coordinators' console."""
    return make_service(
        "coordinators' console",
        [str(VENV_BIN / "python"), "-m", "console", "serve", "--host", settings.bind_host,
         "--port", str(settings.console_port)],
        f"http://{settings.connect_host}:{settings.console_port}/login", log_dir / "console.log", env)


def extra_services(settings: Settings, env: dict[str, str], log_dir: Path = LOG_DIR) -> list[Service]:
    """The widget page and the console, each only where its part of the project exists."""
    services = []
    if (PROJECT_ROOT / "web" / "serve.py").exists():
        services.append(web_page(settings, env, log_dir))
    if (PROJECT_ROOT / "console" / "__main__.py").exists():
        services.append(console(settings, env, log_dir))
    return services


def all_services(settings: Settings, env: dict[str, str] | None = None, log_dir: Path = LOG_DIR,
                 model: str | Path = "models") -> list[Service]:
    """Everything `python -m stack run` starts, in start order."""
    env = env or service_environment(settings)
    return [action_server(settings, env, log_dir), rasa_server(settings, env, model, log_dir),
            *extra_services(settings, env, log_dir)]


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
