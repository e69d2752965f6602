"""The project's database engines, on SQLite and PostgreSQL: no personal data in error messages, and no
write waits longer than DATABASE_TIMEOUT_SECONDS."""
from __future__ import annotations

import threading
import time
import traceback

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

import referrals
from referrals.models import utcnow
from settings.database import make_engine
from tests.privacy.personal_data import register

TIMEOUT = 1  # seconds, from DATABASE_TIMEOUT_SECONDS
MARGIN = 4  # seconds of slack for a busy 2-core machine
EMAIL = "privacy.engine.test@example.org"
NAME = "Yerlan Privacytest"
register(EMAIL, NAME, "Privacytest sarcoma of the left knee")

patients = Table("privacy_patients", MetaData(),
                 Column("id", Integer, primary_key=True),
                 Column("email", String(100), unique=True),
                 Column("name", String(100), nullable=False))


@pytest.fixture()
def engine(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_TIMEOUT_SECONDS", str(TIMEOUT))
    engine = make_engine(database_url)
    patients.create(engine)
    with engine.begin() as connection:
        connection.execute(patients.insert().values(id=1, email=EMAIL, name=NAME))
    yield engine
    engine.dispose()


def full_text(error: BaseException) -> str:
    """Everything a log would show of the error: its text, its cause and the formatted traceback."""
    return "\n".join([str(error), repr(error), str(error.__cause__ or ""),
                      "".join(traceback.format_exception(type(error), error, error.__traceback__))])


def test_an_integrity_error_shows_no_values(engine):
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(patients.insert().values(id=2, email=EMAIL, name=NAME))  # unique email
    shown = full_text(raised.value)
    assert "hidden" in shown, shown
    for value in (EMAIL, NAME, "privacy.engine.test"):
        assert value not in shown, shown


def test_a_not_null_violation_shows_no_row(engine):
    # PostgreSQL's own message would quote the failing row ("Failing row contains (3, <email>, null)")
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(patients.insert().values(id=3, email="second." + EMAIL, name=None))
    assert "privacy.engine.test" not in full_text(raised.value)


def test_a_failed_inquiry_write_shows_no_personal_data(database_url):
    engine = make_engine(database_url)
    referrals.create_schema(engine)
    # a stage outside the check constraint; PostgreSQL would quote the whole failing row
    inquiry = referrals.Inquiry(reference="KR-0000000000", writer="patient", country="MN", language="mn",
                                stage="not-a-stage", wants=[], patient_name=NAME, contact_email=EMAIL,
                                diagnosis="Privacytest sarcoma of the left knee", consent_given_at=utcnow())
    with Session(engine) as session, pytest.raises(IntegrityError) as raised:
        session.add(inquiry)
        session.commit()
    shown = full_text(raised.value)
    for value in (NAME, EMAIL, "Privacytest sarcoma"):
        assert value not in shown, shown
    engine.dispose()


def hold_write_lock(engine):
    """Open a transaction that has written row 1 and keep it open (the caller rolls back)."""
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text("UPDATE privacy_patients SET name = 'held' WHERE id = 1"))
    return connection, transaction


def release_later(holder, seconds: float) -> threading.Timer | None:
    """On PostgreSQL, end the holder's session after `seconds` from another connection, so a write
    that would wait for ever (no lock timeout) ends and the test fails instead of hanging. SQLite's
    driver bounds every wait by itself."""
    if holder.dialect.name != "postgresql":
        return None
    pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def release() -> None:
        admin = make_engine(holder.engine.url, timeout_seconds=30)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()

    timer = threading.Timer(seconds, release)
    timer.start()
    return timer


def test_a_held_lock_fails_a_write_within_the_timeout(engine):
    holder, transaction = hold_write_lock(make_engine(engine.url, timeout_seconds=30))
    watchdog = release_later(holder, TIMEOUT + MARGIN + 2)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError), engine.begin() as connection:
            connection.execute(text("UPDATE privacy_patients SET name = 'second' WHERE id = 1"))
        waited = time.monotonic() - started
    finally:
        if watchdog is not None:
            watchdog.cancel()
        try:
            transaction.rollback()
        except DBAPIError:
            pass  # the watchdog ended the session
        holder.close()
    assert TIMEOUT * 0.8 <= waited <= TIMEOUT + MARGIN, f"waited {waited:.2f} s with a {TIMEOUT} s timeout"


def test_without_a_held_lock_the_same_write_succeeds(engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE privacy_patients SET name = 'second' WHERE id = 1"))


def test_a_long_statement_is_cancelled_on_postgresql(postgres_url, monkeypatch):
    monkeypatch.setenv("DATABASE_TIMEOUT_SECONDS", str(TIMEOUT))
    engine = make_engine(postgres_url)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"), engine.connect() as connection:
        connection.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": TIMEOUT + MARGIN + 5})
    assert time.monotonic() - started <= TIMEOUT + MARGIN
    engine.dispose()


def test_every_engine_hides_parameters_and_postgresql_pings_its_pool(database_url):
    engine = make_engine(database_url)
    assert engine.hide_parameters
    if engine.dialect.name == "postgresql":
        assert engine.pool._pre_ping
    engine.dispose()
