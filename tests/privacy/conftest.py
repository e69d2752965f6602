"""The privacy tests' shared state: the log files as they were before any test ran.

pytest imports this file while it collects the tests, before the first test runs, so `LOG_SIZES_AT_START`
is what var/log/ held before the session; the log audit reads only what was written after it.
"""
from __future__ import annotations

import pytest

from settings import PROJECT_ROOT
from tests.privacy.personal_data import sizes

VAR_LOG = PROJECT_ROOT / "var" / "log"
LOG_SIZES_AT_START = sizes(VAR_LOG)


@pytest.fixture(scope="session")
def log_sizes_at_start() -> dict:
    """Each var/log file's size before the session (see the module's docstring)."""
    return LOG_SIZES_AT_START
