"""The actions' access to the knowledge store: one shared engine per process, a session per answer."""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge.database import open_session
from referrals import create_schema
from settings import load_settings
from settings.database import shared_engine

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StoreUnavailable(RuntimeError):
    """The knowledge store could not be read; the action apologises instead of crashing."""


def query_store(work: Callable[[Session], T]) -> T:
    """Run `work` with a knowledge-store session; database failures become `StoreUnavailable`."""
    try:
        with open_session(check_built=False) as session:
            return work(session)
    except SQLAlchemyError as error:
        # the exception type only: a query may carry the patient's words
        logger.error("knowledge store query failed with %s", type(error).__name__)
        raise StoreUnavailable(type(error).__name__) from error


def referrals_engine():
    """The engine for referral inquiries, with their tables created once per process and database."""
    return _referrals_engine(load_settings().database_url)


@lru_cache(maxsize=4)
def _referrals_engine(database_url: str):
    engine = shared_engine(database_url)
    create_schema(engine)
    return engine
