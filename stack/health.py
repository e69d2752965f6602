"""Is each part of the bot up? `python -m stack health` (and `make health`) prints one line per part and
exits 1 when any is down; `check_all()` gives the same answer to Python (tests, scripts).

The parts: the action server (`/health`), the Rasa server (the REST channel's `/ready`, which answers
only while a model is loaded: Rasa's root route answers also when loading it failed), the widget page,
the console's sign-in page, and the database (`select 1`).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url

from settings import PROJECT_ROOT, Settings, load_settings
from settings.database import make_engine
from stack.processes import http_status, rasa_ready_url


@dataclass(frozen=True)
class Check:
    """The state of one part: `up`, where it was looked for, and why it is down."""

    name: str
    where: str
    up: bool
    detail: str = ""

    def line(self) -> str:
        state = "up" if self.up else "DOWN"
        return f"{self.name:<22} {state:<5} {self.where}" + (f"  ({self.detail})" if self.detail else "")


def check_http(name: str, url: str, timeout: float) -> Check:
    status = http_status(url, timeout=timeout)
    if status is None:
        return Check(name, url, False, "no answer")
    if status >= 400:
        return Check(name, url, False, f"HTTP {status}")
    return Check(name, url, True)


def check_database(database_url: str, timeout: float) -> Check:
    """`select 1` on the database; an SQLite file that does not exist is down (never created here)."""
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                return Check("database", shown, False, "no database file configured")
            # read-only URI: looking must not create the file
            with sqlite3.connect(f"file:{url.database}?mode=ro", uri=True, timeout=timeout) as connection:
                connection.execute("select 1").fetchone()
        else:
            engine = make_engine(database_url)  # the project's engine: parameters hidden, waits bounded
            try:
                with engine.connect() as connection:
                    connection.execute(text("select 1"))
            finally:
                engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means down; the type says which
        return Check("database", shown, False, error.__class__.__name__)
    return Check("database", shown, True)


def check_all(settings: Settings | None = None, timeout: float = 3) -> list[Check]:
    """Every part `python -m stack run` starts, plus the database."""
    settings = settings or load_settings()
    host = settings.connect_host
    checks = [
        check_http("action server", f"http://{host}:{settings.action_port}/health", timeout),
        check_http("Rasa server", rasa_ready_url(host, settings.rasa_port), timeout),
    ]
    if (PROJECT_ROOT / "web" / "serve.py").exists():
        checks.append(check_http("widget page", f"http://{host}:{settings.web_port}/", timeout))
    if (PROJECT_ROOT / "console" / "__main__.py").exists():
        checks.append(check_http("coordinators' console", f"http://{host}:{settings.console_port}/login", timeout))
    checks.append(check_database(settings.database_url, timeout))
    return checks


def main() -> int:
    checks = check_all()
    for check in checks:
        print(check.line())
    down = [check.name for check in checks if not check.up]
    print(f"down: {', '.join(down)}" if down else "all parts are up", flush=True)
    return 1 if down else 0
