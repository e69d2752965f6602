"""Fixtures for the email tests: a database with the referral tables and two accounts (anna, an
administrator; ben, the coordinator of the snuh_hmo queue), and sample inquiries."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import referrals
from settings.database import make_engine
from tests.conftest import sample_inquiry


@pytest.fixture()
def engine(database_url: str, monkeypatch) -> Iterator[Engine]:
    monkeypatch.setenv("CONSOLE_URL", "https://console.example.org")
    monkeypatch.setenv("SMTP_SENDER", "Referral office <referrals@hospital.example>")
    monkeypatch.delenv("RESPONSE_TARGET_WORKING_DAYS", raising=False)
    monkeypatch.delenv("OFFICE_HOLIDAYS", raising=False)
    engine = make_engine(database_url)
    referrals.create_schema(engine)
    with Session(engine, future=True) as session:
        referrals.create_coordinator(session, "anna", "correct horse battery", "Anna Kim", role="administrator",
                                     email="anna@office.example")
        referrals.create_coordinator(session, "ben", "another long password", "Ben Park", role="coordinator",
                                     units=("snuh_hmo",), email="ben@office.example")
    try:
        yield engine
    finally:
        engine.dispose()


def _sample(**overrides: Any) -> dict[str, Any]:
    return sample_inquiry(**{"questions": "Is CAR-T possible?", **overrides})


@pytest.fixture()
def inquiry_data() -> Callable[..., dict[str, Any]]:
    return _sample


# What the patient wrote that identifies them or describes their health: never in a coordinators' email.
PERSONAL_OR_MEDICAL = ("Dorj", "Bat-Erdene", "lymphoma", "B-cell", "relapsed", "bat.dorj", "9911", "CAR-T",
                       "second opinion", "mother", "1960")


@pytest.fixture()
def personal_or_medical() -> tuple[str, ...]:
    return PERSONAL_OR_MEDICAL
