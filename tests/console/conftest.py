"""The console started as its own process (`python -m console serve`) on a free port, over a fresh
test database (SQLite and PostgreSQL), with a coordinator created through the command line; its
sessions in files under the test's own folder (or in Redis, for the tests that ask)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import referrals
from settings import PROJECT_ROOT
from settings.database import make_engine
from tests.conftest import sample_inquiry  # noqa: F401 - the console tests import it from here

SECRET_KEY = "test-secret-key-for-the-console-tests"
SESSION_MINUTES = 5
ANNA_PASSWORD = "correct horse battery"
BEN_PASSWORD = "another long password"
CSRF_FIELD = re.compile(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"')


def console_env(database_url: str, **extra: str) -> dict[str, str]:
    # REDIS_URL and BIND_HOST may come from a developer's .env: the tests say which they want
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("CONSOLE_") and key not in ("REDIS_URL", "BIND_HOST")}
    env.update(DATABASE_URL=database_url, CONSOLE_SECRET_KEY=SECRET_KEY, CONSOLE_SESSION_MINUTES=str(SESSION_MINUTES),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
               PYTHONWARNINGS="ignore",
               SMTP_HOST="")  # never a developer's real mail server (.env); the email tests give their own
    env.update(extra)
    return env


def run_cli(database_url: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], cwd=PROJECT_ROOT, env=console_env(database_url),
                          input=input, capture_output=True, text=True, timeout=120)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Console:
    base_url: str
    database_url: str
    engine: Engine
    log_path: Path
    process: subprocess.Popen
    session_dir: Path
    signed_in: list[requests.Session] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return run_cli(self.database_url, *args, input=input)

    def sign_in(self, username: str = "anna", password: str = ANNA_PASSWORD) -> requests.Session:
        client = requests.Session()
        page = client.get(self.url("/login"))
        response = client.post(self.url("/login"), data={
            "csrf_token": csrf_token(page.text), "username": username, "password": password},
            allow_redirects=False)
        assert response.status_code == 303, (response.status_code, response.text[-500:])
        self.signed_in.append(client)
        return client

    def post_form(self, client: requests.Session, page_path: str, action_path: str, data: dict[str, Any],
                  **kwargs: Any) -> requests.Response:
        """Submit a form as a browser would: load the page for its CSRF token, then POST."""
        page = client.get(self.url(page_path))
        assert page.status_code == 200, page.status_code
        return client.post(self.url(action_path), data={"csrf_token": csrf_token(page.text), **data}, **kwargs)

    def session(self) -> Session:
        return Session(self.engine, future=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def started_console(database_url: str, workdir: Path, host: str = "127.0.0.1", port: int | None = None,
                    **env: str) -> Iterator[Console]:
    """`python -m console serve` over `database_url` with the accounts anna (administrator) and ben
    (coordinator of the snuh_hmo queue, the sample inquiry's unit), sessions in
    `workdir`/sessions, `env` added to its environment (BIND_HOST=`host`); stopped afterwards."""
    engine = make_engine(database_url)
    created = run_cli(database_url, "create-user", "anna", "--display-name", "Anna Kim", "--role", "administrator",
                      "--email", "anna@office.example", "--password-stdin", input=ANNA_PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    with Session(engine, future=True) as session:
        referrals.create_coordinator(session, "ben", BEN_PASSWORD, "Ben Park", role="coordinator",
                                     units=("snuh_hmo",), email="ben@office.example")
    port = port or free_port()
    log_path = workdir / "console.log"
    session_dir = workdir / "sessions"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "console", "serve", "--port", str(port), "--session-dir", str(session_dir)],
            cwd=PROJECT_ROOT, env=console_env(database_url, BIND_HOST=host, **env), stdout=log,
            stderr=subprocess.STDOUT)
    server = Console(f"http://{host}:{port}", database_url, engine, log_path, process, session_dir)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the console exited with {process.returncode}:\n{server.log()}")
            try:
                if requests.get(server.url("/login"), timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the console did not answer within 60 s:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        for client in server.signed_in:
            client.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        engine.dispose()


@pytest.fixture()
def console(database_url: str, tmp_path: Path) -> Iterator[Console]:
    """The console on 127.0.0.1, sessions in files (no Redis)."""
    with started_console(database_url, tmp_path) as server:
        yield server


@pytest.fixture()
def inquiry_data():
    return sample_inquiry
