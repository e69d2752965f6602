"""Shared fixtures: database backends and the rule for tests that need a server or a browser.

A test that needs PostgreSQL, a browser or the running bot may skip on a user's machine, with the
reason, but must fail in CI (`CI=true`), where everything it needs is installed by `.ci/run`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, text

if TYPE_CHECKING:
    from settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def pytest_configure(config) -> None:  # noqa: ANN001 - pytest's Config
    config.addinivalue_line("markers", "runs_last: run after every other test of the session (the log "
                                       "audit, tests/privacy/test_logs.py, reads what they logged)")


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001 - pytest's objects
    """Move the `runs_last` tests to the end, keeping every other test's order."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip with `reason` on a user's machine; fail in CI, where the requirement must be met."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture()
def sqlite_url(tmp_path) -> str:
    """A fresh, empty SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'test.db'}"


def _create_postgres_database() -> str:
    """Create a fresh PostgreSQL database and return its URL (skip or fail without a server)."""
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001 - any failure to connect means "no server here"
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.__class__.__name__}")
    name = f"carebot_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(
            text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :name"), {"name": name},
        )
        connection.execute(text(f'drop database if exists "{name}"'))
    admin.dispose()


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    url = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """Run a test once per supported backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


# --- the running bot -------------------------------------------------------------------------------

@dataclass
class BotClient:
    """Talks to the running Rasa server over the REST channel, as the widget does."""

    rasa_url: str
    database_url: str
    settings: "Settings"

    def send(self, sender: str, message: str, timeout: float = 30) -> list[dict]:
        """POST one message; return the bot's replies (text, buttons and custom payloads)."""
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def texts(self, sender: str, message: str) -> str:
        """The bot's text replies to one message, joined by newlines."""
        return "\n".join(reply["text"] for reply in self.send(sender, message) if reply.get("text"))


@contextmanager
def launched_bot(settings: "Settings", workdir) -> Iterator[BotClient]:
    """Build the knowledge store into `settings.database_url`, start the action server and the Rasa
    server on `settings`' ports, and stop them afterwards."""
    from settings import PROJECT_ROOT
    from stack.processes import service_environment, start_bot, stop_all

    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    subprocess.run(
        [sys.executable, "-m", "knowledge", "build"], cwd=PROJECT_ROOT, env=service_environment(settings),
        check=True, capture_output=True,
    )
    services = start_bot(settings, log_dir=workdir / "logs")
    try:
        yield BotClient(rasa_url=settings.rasa_url, database_url=settings.database_url, settings=settings)
    finally:
        stop_all(services)


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory) -> Iterator[BotClient]:
    """The action server and the Rasa server started from the checkout, on their own test ports and
    their own SQLite database (knowledge store built into it), stopped after the session.

    The test ports go into the environment too, so tests that start more processes (the widget page,
    the console) find the bot where it runs."""
    from settings import load_settings

    workdir = tmp_path_factory.mktemp("bot")
    os.environ.update(
        DATABASE_URL=f"sqlite:///{workdir / 'bot.db'}",
        RASA_PORT=os.environ.get("TEST_RASA_PORT", "5105"),
        ACTION_PORT=os.environ.get("TEST_ACTION_PORT", "5155"),
        WEB_PORT=os.environ.get("TEST_WEB_PORT", "8180"),
        CONSOLE_PORT=os.environ.get("TEST_CONSOLE_PORT", "8190"),
    )
    with launched_bot(load_settings(), workdir) as bot:
        yield bot


@pytest.fixture(scope="session")
def running_bot_on_postgres(tmp_path_factory) -> Iterator[BotClient]:
    """The same bot with PostgreSQL as its database (tracker store, knowledge store, inquiries)."""
    from settings import load_settings

    url = _create_postgres_database()
    workdir = tmp_path_factory.mktemp("bot-pg")
    settings = replace(load_settings(), database_url=url,
                       rasa_port=int(os.environ.get("TEST_PG_RASA_PORT", "5125")),
                       action_port=int(os.environ.get("TEST_PG_ACTION_PORT", "5175")))
    try:
        with launched_bot(settings, workdir) as bot:
            yield bot
    finally:
        _drop_postgres_database(url)


def text_of(replies: list[dict]) -> str:
    """The text replies of one bot answer, joined by newlines."""
    return "\n".join(reply["text"] for reply in replies if reply.get("text"))


def meta_of(replies: list[dict]) -> dict:
    """The machine-readable summary the bot sends after an answer (the last one, if several)."""
    metas = [reply["custom"]["meta"] for reply in replies if isinstance(reply.get("custom"), dict) and "meta" in reply["custom"]]
    assert metas, f"no meta reply in {replies!r}"
    return metas[-1]


def inquiry_count(database_url: str) -> int:
    """How many referral inquiries the database holds (0 before the table exists)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from referrals import Inquiry
    from settings.database import make_engine

    with Session(make_engine(database_url)) as session:
        try:
            return session.execute(select(func.count()).select_from(Inquiry)).scalar_one()
        except Exception:  # noqa: BLE001 - the table does not exist before the first inquiry
            return 0


def sample_inquiry(**overrides: Any) -> dict[str, Any]:
    """A complete referral inquiry as the chat submits it (a daughter writing for her mother in Mongolia),
    with `overrides` applied."""
    data: dict[str, Any] = {
        "conversation_id": "conv-mn", "consent": True, "writer": "relative", "relation": "child",
        "writer_name": "Bat-Erdene Dorj", "patient_name": "Dorj Bold", "age_or_birth_date": "2 March 1960",
        "country": "Mongolia", "language": "Mongolian", "diagnosis": "Diffuse large B-cell lymphoma, relapsed",
        "condition_id": "lymphoma", "recommended_unit_id": "snuh_hmo", "stage": "relapsed",
        "wants": ["second_opinion", "car_t"], "has_records": True, "has_pathology": True, "has_imaging": False,
        "travel_plans": "May, with my mother", "contact_email": "bat.dorj@example.mn", "contact_phone": "+976 9911 2233",
    }
    data.update(overrides)
    return data
