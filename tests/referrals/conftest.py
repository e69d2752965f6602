"""Fixtures for the referrals tests: an engine with the referral tables, and sample inquiry data."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import referrals
from settings.database import make_engine


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    referrals.create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, future=True) as session:
        yield session


def sample_inquiry(**overrides: Any) -> dict[str, Any]:
    """A complete, valid inquiry as the chat form would pass it (free-text answers, un-normalised)."""
    data: dict[str, Any] = {
        "conversation_id": "conv-1",
        "consent": True,
        "writer": "relative",
        "relation": "child",
        "writer_name": "Bat-Erdene Dorj",
        "patient_name": "Dorj Bold",
        "age_or_birth_date": "2 March 1960",
        "country": "Mongolia",
        "language": "Mongolian",
        "diagnosis": "Diffuse large B-cell lymphoma, came back after R-CHOP",
        "condition_id": "lymphoma",
        "recommended_unit_id": "snuh_hmo",
        "stage": "relapsed",
        "wants": ["second_opinion", "car_t"],
        "has_records": "yes",
        "has_pathology": True,
        "has_imaging": "no",
        "travel_plans": "Could travel in May with my mother",
        "contact_email": "  Bat.Dorj@Example.MN ",
        "contact_phone": "+976 9911-2233",
    }
    data.update(overrides)
    return data


@pytest.fixture()
def inquiry_data() -> Callable[..., dict[str, Any]]:
    return sample_inquiry


@pytest.fixture()
def coordinators(session: Session) -> dict[str, referrals.Coordinator]:
    """anna, an administrator; ben, a coordinator of the snuh_hmo queue (the sample inquiry's unit)."""
    return {
        "anna": referrals.create_coordinator(session, "anna", "correct horse battery", "Anna Kim",
                                             role="administrator", email="anna@office.example"),
        "ben": referrals.create_coordinator(session, "ben", "another long password", "Ben Park",
                                            role="coordinator", units=("snuh_hmo",), email="ben@office.example"),
    }
