"""`python -m stack health` / `stack.health.check_all`: each part up or down, against stand-in servers on
free ports and a throwaway database, so it runs without the bot."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from settings import PROJECT_ROOT, load_settings
from stack.health import check_all, check_database

PARTS = ("action server", "Rasa server", "widget page", "coordinators' console", "database")


class Answer(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


def serve(status: int = 200) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    server.status = status  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def parts(monkeypatch, tmp_path) -> Iterator[dict[str, ThreadingHTTPServer]]:
    """Four answering stand-ins and an SQLite database, with the settings (environment) pointing at them."""
    servers = {name: serve() for name in ("ACTION_PORT", "RASA_PORT", "WEB_PORT", "CONSOLE_PORT")}
    database = tmp_path / "health.db"
    sqlite3.connect(database).close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.delenv("BIND_HOST", raising=False)
    for name, server in servers.items():
        monkeypatch.setenv(name, str(server.server_address[1]))
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


def states() -> dict[str, bool]:
    return {check.name: check.up for check in check_all(timeout=2)}


def test_every_part_is_listed_and_up(parts):
    assert states() == {name: True for name in PARTS}


def test_a_stopped_service_is_down_and_the_others_stay_up(parts):
    parts["RASA_PORT"].shutdown()
    parts["RASA_PORT"].server_close()
    assert states() == {name: name != "Rasa server" for name in PARTS}


def test_a_server_error_is_down(parts, monkeypatch):
    monkeypatch.setenv("CONSOLE_PORT", str(serve(status=500).server_address[1]))
    checks = {check.name: check for check in check_all(timeout=2)}
    assert not checks["coordinators' console"].up and checks["coordinators' console"].detail == "HTTP 500"


def test_a_missing_sqlite_file_is_down_and_not_created(tmp_path):
    missing = tmp_path / "never.db"
    check = check_database(f"sqlite:///{missing}", timeout=2)
    assert not check.up and not missing.exists()


def test_an_unreachable_database_is_down_without_showing_its_password():
    check = check_database("postgresql+psycopg2://carebot:s3cret-pass@127.0.0.1:9/carebot", timeout=2)
    assert not check.up
    assert "s3cret-pass" not in check.line() and "***" in check.line()


def test_the_command_exits_non_zero_when_a_part_is_down(parts):
    command = [sys.executable, "-m", "stack", "health"]
    up = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "all parts are up" in up.stdout
    parts["ACTION_PORT"].shutdown()
    parts["ACTION_PORT"].server_close()
    down = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert down.returncode == 1
    assert "action server" in down.stdout and "DOWN" in down.stdout and "down: action server" in down.stdout


def test_parts_are_looked_for_on_the_bind_host(parts, monkeypatch):
    """With BIND_HOST set, a service answering only on 127.0.0.1 is not the one being checked."""
    monkeypatch.setenv("BIND_HOST", "127.0.0.2")
    checks = check_all(load_settings(), timeout=2)
    assert all("127.0.0.2" in check.where for check in checks if check.name != "database")
    assert not any(check.up for check in checks if check.name != "database")
