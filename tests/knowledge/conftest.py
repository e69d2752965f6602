"""Fixtures for the knowledge store tests: one SQLite store built per test session, and sessions on it.

Tests that change or break the store build their own database (`sqlite_url`, `database_url` from the
project's tests/conftest.py).
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from knowledge.catalog import Catalog, default_catalog
from knowledge.database import open_session
from knowledge.loader import build


@pytest.fixture(scope="session")
def built_database_url(tmp_path_factory) -> str:
    """A SQLite knowledge store built once from the project's content, shared read-only by tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('knowledge') / 'store.db'}"
    build(url)
    return url


@pytest.fixture()
def session(built_database_url) -> Iterator[Session]:
    with open_session(built_database_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The project's content and vocabulary, parsed and validated."""
    return default_catalog()
