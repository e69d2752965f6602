"""One inquiry per form (referrals/submissions.py): the key made at consent is stored with the inquiry,
so a retried "send it" returns the same reference; on SQLite and PostgreSQL."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import referrals
from referrals.submissions import Submission


def inquiry_count(engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(referrals.Inquiry)).scalar_one()


def test_the_same_key_stores_one_inquiry_and_returns_its_reference(engine, inquiry_data):
    key = referrals.new_submission_key()
    first = referrals.submit_once(engine, key, inquiry_data())
    again = referrals.submit_once(engine, key, inquiry_data())
    assert again == first and inquiry_count(engine) == 1
    other = referrals.submit_once(engine, referrals.new_submission_key(), inquiry_data())
    assert other != first and inquiry_count(engine) == 2


def test_keys_are_random():
    keys = {referrals.new_submission_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(key) == 32 for key in keys)


def test_a_failed_write_stores_neither_the_inquiry_nor_the_key(engine, inquiry_data, monkeypatch):
    key = referrals.new_submission_key()

    def broken_commit(self):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(Session, "commit", broken_commit)
        with pytest.raises(OperationalError):
            referrals.submit_once(engine, key, inquiry_data())
    assert inquiry_count(engine) == 0
    with Session(engine) as session:
        assert session.execute(select(Submission)).first() is None
    reference = referrals.submit_once(engine, key, inquiry_data())
    assert inquiry_count(engine) == 1 and reference.startswith("KR-")


def test_racing_retries_of_one_form_store_one_inquiry(engine, inquiry_data):
    key = referrals.new_submission_key()
    with ThreadPoolExecutor(max_workers=4) as pool:
        references = list(pool.map(lambda _: referrals.submit_once(engine, key, inquiry_data()), range(4)))
    assert len(set(references)) == 1 and inquiry_count(engine) == 1


def test_invalid_answers_store_nothing(engine, inquiry_data):
    with pytest.raises(referrals.ValidationError):
        referrals.submit_once(engine, referrals.new_submission_key(), inquiry_data(country="Atlantis"))
    with pytest.raises(ValueError):
        referrals.submit_once(engine, "", inquiry_data())
    assert inquiry_count(engine) == 0
