"""The console's command line for scripting: users, list, show, set-status, export."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

import referrals
from settings.database import make_engine

from conftest import run_cli, sample_inquiry  # tests/console/conftest.py


def test_cli_creates_users_with_hashed_passwords(database_url):
    created = run_cli(database_url, "create-user", "Anna", "--display-name", "Anna Kim", "--password-stdin",
                      input="correct horse battery\n")
    assert created.returncode == 0, created.stderr
    assert "created coordinator anna (Anna Kim)" in created.stdout
    again = run_cli(database_url, "create-user", "anna", "--password-stdin", input="another long password\n")
    assert again.returncode == 1 and "taken" in again.stderr
    weak = run_cli(database_url, "create-user", "ben", "--password-stdin", input="short\n")
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr
    engine = make_engine(database_url)
    try:
        with Session(engine, future=True) as session:
            assert referrals.authenticate(session, "anna", "correct horse battery").display_name == "Anna Kim"
            assert "correct horse battery" not in referrals.get_coordinator(session, "anna").password_hash
            assert referrals.get_coordinator(session, "ben") is None
    finally:
        engine.dispose()


def test_cli_list_show_set_status_and_export(database_url):
    engine = make_engine(database_url)
    referrals.create_schema(engine)
    now = datetime.now(timezone.utc)
    try:
        with Session(engine, future=True) as session:
            referrals.create_coordinator(session, "anna", "correct horse battery", "Anna Kim")
            mongolia = referrals.submit_inquiry(session, sample_inquiry(), now=now - timedelta(hours=5))
            kazakh = referrals.submit_inquiry(session, sample_inquiry(
                conversation_id="conv-kz", patient_name="Aigerim Nurlanova", country="Kazakhstan", language="ru",
                recommended_unit_id="smc_gynecologic_cancer_center", contact_email="aigerim@mail.kz"), now=now)

        listing = run_cli(database_url, "list")
        assert listing.returncode == 0, listing.stderr
        lines = listing.stdout.splitlines()
        assert lines[0].split()[:4] == ["reference", "submitted", "age", "status"]
        assert [line.split()[0] for line in lines[1:]] == [mongolia, kazakh]  # least time left first
        newest = run_cli(database_url, "list", "--sort", "newest")
        assert [line.split()[0] for line in newest.stdout.splitlines()[1:]] == [kazakh, mongolia]
        assert "5 h ago" in listing.stdout and "Aigerim Nurlanova" in listing.stdout
        only = run_cli(database_url, "list", "--country", "mongolia", "--language", "Mongolian")
        assert [line.split()[0] for line in only.stdout.splitlines()[1:]] == [mongolia]
        searched = run_cli(database_url, "list", "--search", "aigerim")
        assert [line.split()[0] for line in searched.stdout.splitlines()[1:]] == [kazakh]

        shown = run_cli(database_url, "show", mongolia.lower(), "--by", "anna")
        assert shown.returncode == 0, shown.stderr
        assert "Patient:" in shown.stdout and "Dorj Bold" in shown.stdout and "+97699112233" in shown.stdout
        missing = run_cli(database_url, "show", "KR-0000000000")
        assert missing.returncode == 1 and "no inquiry" in missing.stderr

        changed = run_cli(database_url, "set-status", mongolia, "in_review", "--by", "anna")
        assert changed.returncode == 0 and "is now in_review" in changed.stdout
        refused = run_cli(database_url, "set-status", mongolia, "new", "--by", "anna")
        assert refused.returncode == 1 and "cannot be set to new" in refused.stderr
        stranger = run_cli(database_url, "set-status", kazakh, "closed", "--by", "mallory")
        assert stranger.returncode == 1 and "no active coordinator" in stranger.stderr
        usage = run_cli(database_url, "set-status", kazakh, "archived", "--by", "anna")
        assert usage.returncode == 2
        no_actor = run_cli(database_url, "set-status", kazakh, "closed")
        assert no_actor.returncode == 2

        exported = run_cli(database_url, "export", "--status", "in_review", "--by", "anna")
        assert exported.returncode == 0, exported.stderr
        rows = list(csv.reader(io.StringIO(exported.stdout)))
        assert tuple(rows[0]) == referrals.CSV_COLUMNS
        assert [row[0] for row in rows[1:]] == [mongolia]
        everything = list(csv.DictReader(io.StringIO(run_cli(database_url, "export").stdout)))
        assert [row["reference"] for row in everything] == [kazakh, mongolia]
        assert everything[0]["country"] == "KZ" and everything[1]["status"] == "in_review"

        with Session(engine, future=True) as session:
            assert referrals.get_inquiry(session, mongolia).status == "in_review"
            assert referrals.get_inquiry(session, kazakh).status == "new"
            trail = [(e.actor, e.action, e.details) for e in reversed(referrals.audit_entries(session, mongolia))]
            assert ("anna", "viewed", None) in trail
            assert ("anna", "status_changed", "new -> in_review") in trail
            exports = [e.actor for e in referrals.audit_entries(session) if e.action == "exported"]
            assert exports[-1] == "anna" and exports[0].startswith("cli")
    finally:
        engine.dispose()
