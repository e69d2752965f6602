"""Roles and unit queues over real HTTP (`python -m console serve`): a coordinator sees and opens only
their queues' inquiries and cannot manage accounts or read the whole audit log; an administrator can;
lists, searches, views, exports and audit-log reads are audited. The console listens on
TEST_ROLES_CONSOLE_PORT (default 8650, and the next port for PostgreSQL)."""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import referrals

from conftest import BEN_PASSWORD, csrf_token, sample_inquiry, started_console  # tests/console/conftest.py

OTHER_UNIT = "smc_gynecologic_cancer_center"


@pytest.fixture()
def roles_console(database_url: str, tmp_path: Path, request) -> Iterator:
    base = int(os.environ.get("TEST_ROLES_CONSOLE_PORT", "8650"))
    port = base + (1 if "postgresql" in request.node.name else 0)
    with started_console(database_url, tmp_path, port=port) as server:
        yield server


def seed_two_queues(console) -> dict[str, str]:
    return {
        "mine": referrals.submit_inquiry(console.engine, sample_inquiry()),  # snuh_hmo: ben's queue
        "other": referrals.submit_inquiry(console.engine, sample_inquiry(
            conversation_id="conv-kz", patient_name="Aigerim Nurlanova", recommended_unit_id=OTHER_UNIT,
            contact_email="aigerim@mail.kz")),
        "general": referrals.submit_inquiry(console.engine, sample_inquiry(
            conversation_id="conv-uz", patient_name="Dilnoza Karimova", recommended_unit_id=None,
            contact_email="dilnoza@example.uz")),
    }


def audit(console, actor: str) -> list[tuple[str, str | None, str | None]]:
    with console.session() as session:
        return [(e.action, e.reference, e.details) for e in reversed(referrals.audit_entries(session, actor=actor))]


def test_a_coordinator_works_only_their_queues(roles_console):
    console = roles_console
    refs = seed_two_queues(console)
    ben = console.sign_in("ben", BEN_PASSWORD)

    inbox = ben.get(console.url("/")).text
    assert f'data-reference="{refs["mine"]}"' in inbox and f'data-reference="{refs["general"]}"' in inbox
    assert f'data-reference="{refs["other"]}"' not in inbox and "Aigerim" not in inbox
    assert 'id="queues"' in inbox
    assert 'href="/accounts"' not in inbox and 'href="/audit"' not in inbox  # no admin links

    assert ben.get(console.url(f"/inquiries/{refs['mine']}")).status_code == 200
    refused = ben.get(console.url(f"/inquiries/{refs['other']}"))
    assert refused.status_code == 403 and "another unit" in refused.text and "Aigerim" not in refused.text
    page = ben.get(console.url(f"/inquiries/{refs['mine']}")).text
    change = ben.post(console.url(f"/inquiries/{refs['other']}/notes"),
                      data={"note-csrf_token": csrf_token(page), "note-text": "sneaky"}, allow_redirects=False)
    assert change.status_code == 403
    with console.session() as session:
        assert referrals.get_inquiry(session, refs["other"]).notes == []

    for path in ("/accounts", "/outbox", "/audit", "/audit?reference=" + refs["mine"]):
        assert ben.get(console.url(path)).status_code == 403, path
    created = ben.post(console.url("/accounts"), data={
        "new-csrf_token": csrf_token(page), "new-username": "mallory", "new-password": "a long password here",
        "new-role": "administrator"}, allow_redirects=False)
    assert created.status_code == 403
    with console.session() as session:
        assert referrals.get_coordinator(session, "mallory") is None

    rows = list(csv.DictReader(io.StringIO(ben.get(console.url("/export.csv")).content.decode("utf-8-sig"))))
    assert sorted(row["reference"] for row in rows) == sorted([refs["mine"], refs["general"]])

    ben.get(console.url("/?q=dilnoza"))
    actions = audit(console, "ben")
    assert ("listed", None, "2 inquiries; no filter") in actions
    assert ("viewed", refs["mine"], None) in actions
    assert ("view_refused", refs["other"], "another unit's queue") in actions
    assert ("audit_log_refused", None, None) in actions
    assert ("exported", None, "2 inquiries; no filter") in actions
    assert ("searched", None, "1 inquiries; search=(hidden)") in actions
    assert not any("dilnoza" in (details or "").lower() for _action, _ref, details in actions)  # words not kept


def test_an_administrator_sees_everything_and_manages_accounts(roles_console):
    console = roles_console
    refs = seed_two_queues(console)
    anna = console.sign_in()

    inbox = anna.get(console.url("/")).text
    assert all(f'data-reference="{ref}"' in inbox for ref in refs.values())
    assert anna.get(console.url(f"/inquiries/{refs['other']}")).status_code == 200

    accounts = anna.get(console.url("/accounts"))
    assert accounts.status_code == 200 and 'data-username="ben"' in accounts.text
    token = csrf_token(accounts.text)
    response = anna.post(console.url("/accounts"), data={
        "new-csrf_token": token, "new-username": "chloe", "new-display_name": "Chloe Lee",
        "new-password": "a long password here", "new-role": "coordinator", "new-email": "chloe@office.example",
        "new-units": [OTHER_UNIT]})
    assert "Account chloe created." in response.text
    response = anna.post(console.url("/accounts/ben"), data={
        "a-ben-csrf_token": token, "a-ben-role": "coordinator", "a-ben-email": "ben@office.example",
        "a-ben-units": ["snuh_hmo", OTHER_UNIT], "a-ben-active": "y"})
    assert "Account ben saved." in response.text
    with console.session() as session:
        chloe = referrals.get_coordinator(session, "chloe")
        assert (chloe.role, chloe.email, chloe.unit_ids) == ("coordinator", "chloe@office.example", (OTHER_UNIT,))
        assert referrals.get_coordinator(session, "ben").unit_ids == tuple(sorted(("snuh_hmo", OTHER_UNIT)))

    ben = console.sign_in("ben", BEN_PASSWORD)  # the new unit applies at once
    assert ben.get(console.url(f"/inquiries/{refs['other']}")).status_code == 200
    chloe_client = console.sign_in("chloe", "a long password here")
    assert chloe_client.get(console.url(f"/inquiries/{refs['mine']}")).status_code == 403

    log = anna.get(console.url("/audit"))
    assert log.status_code == 200 and "account created" in log.text and "units changed" in log.text
    assert anna.get(console.url("/outbox")).status_code == 200
    actions = [action for action, _ref, _details in audit(console, "anna")]
    assert "account_created" in actions and "units_changed" in actions and "audit_log_read" in actions
    assert "outbox_read" in actions


def test_the_command_line_applies_the_same_roles(roles_console):
    console = roles_console
    refs = seed_two_queues(console)
    listing = console.cli("list", "--by", "ben")
    assert listing.returncode == 0, listing.stderr
    listed = {line.split()[0] for line in listing.stdout.splitlines()[1:]}
    assert listed == {refs["mine"], refs["general"]}
    refused = console.cli("show", refs["other"], "--by", "ben")
    assert refused.returncode == 1 and "another unit" in refused.stderr
    assert console.cli("audit", "--by", "ben").returncode == 1
    assert console.cli("audit", "--by", "anna").returncode == 0
    created = console.cli("create-user", "dan", "--role", "coordinator", "--unit", OTHER_UNIT, "--password-stdin",
                          input="a long password here\n")
    assert created.returncode == 0 and "role coordinator" in created.stdout
    assert console.cli("set-units", "dan", "snuh_hmo").returncode == 0
    users = console.cli("users").stdout
    assert "dan" in users and "snuh_hmo" in users
    unbuilt = console.cli("units")
    assert unbuilt.returncode == 1 and "not built" in unbuilt.stderr
    with console.session() as session:
        trail = [(e.actor, e.action) for e in referrals.audit_entries(session)]
    assert ("ben", "listed") in trail and ("ben", "view_refused") in trail and ("anna", "audit_log_read") in trail


def test_without_smtp_the_console_shows_the_waiting_emails(roles_console):
    console = roles_console
    refs = seed_two_queues(console)
    anna = console.sign_in()
    outbox_page = anna.get(console.url("/outbox")).text
    assert "No SMTP server is configured" in outbox_page
    assert f"New referral inquiry {refs['mine']}" in outbox_page and "ben@office.example" in outbox_page
    assert f"New referral inquiry {refs['other']}" in outbox_page and "anna@office.example" in outbox_page
    assert "pending: 3" in outbox_page  # mine to ben; the other unit's and the general one to the administrators
    page = anna.get(console.url(f"/inquiries/{refs['mine']}")).text
    emails = page[page.index('id="emails"'):page.index("Internal notes")]
    assert "Notification to coordinators (ben@office.example)" in emails
    assert "Kept in the outbox: no SMTP server is configured." in emails
