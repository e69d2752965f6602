"""One inquiry's emails end to end, over real processes: the console (`python -m console serve`, whose
outbox loop sends through SMTP) and a real SMTP server (aiosmtpd) that is down at first. The
notification reaches the unit's coordinator without personal or medical details; the failure while the
server is down shows on the inquiry page; the reply reaches the patient with the reference.
Ports: TEST_EMAIL_CONSOLE_PORT (default 8660) and TEST_SMTP_BASE_PORT + 20 (default 5645), one more for
PostgreSQL."""
from __future__ import annotations

import csv
import io
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

import referrals
from notifications.outbox import OutboxMessage
from referrals.models import utcnow
from tests.smtp_catcher import SmtpCatcher, smtp_port

from conftest import BEN_PASSWORD, sample_inquiry, started_console  # tests/console/conftest.py

CONSOLE_URL = "https://console.example.org"
PERSONAL_OR_MEDICAL = ("Dorj", "Bat-Erdene", "lymphoma", "leukemia", "B-cell", "relapsed", "bat.dorj", "9911", "CAR-T",
                       "mother", "1960")


def wait_until(check, timeout: float = 30, what: str = "the condition"):  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_notification_failure_then_delivery_and_the_reply_email(database_url, tmp_path, request, monkeypatch):
    pytest.importorskip("knowledge.queries")
    from knowledge.loader import build

    offset = 1 if "postgresql" in request.node.name else 0
    mail_port = smtp_port(20 + offset)
    monkeypatch.setenv("CONSOLE_URL", CONSOLE_URL)  # the notification is composed where the inquiry is stored
    build(database_url)  # the knowledge store, for the unit's name
    with started_console(database_url, tmp_path, port=int(os.environ.get("TEST_EMAIL_CONSOLE_PORT", "8660")) + offset,
                         SMTP_HOST="127.0.0.1", SMTP_PORT=str(mail_port), SMTP_TLS="none",
                         SMTP_SENDER="Referral office <referrals@hospital.example>", CONSOLE_URL=CONSOLE_URL,
                         CONSOLE_OUTBOX_INTERVAL_SECONDS="0.3") as console:
        reference = referrals.submit_once(console.engine, "form-key-1", sample_inquiry(
            questions="Is CAR-T possible?", condition_id="acute_myeloid_leukemia"))

        # the SMTP server is down: the console's loop fails, and the inquiry page says so
        def failure_recorded():
            with console.session() as session:
                return session.query(OutboxMessage).filter(OutboxMessage.last_error.isnot(None)).first()
        wait_until(failure_recorded, what="the failed attempt")
        ben = console.sign_in("ben", BEN_PASSWORD)
        inbox = ben.get(console.url("/")).text
        row = inbox[inbox.index(f'data-reference="{reference}"'):]
        row = row[:row.index("</tr>")]
        assert "Division of Hematology and Medical Oncology (HMO) · SNUH" in row and "snuh_hmo" not in row
        exported = list(csv.DictReader(io.StringIO(ben.get(console.url("/export.csv")).content.decode("utf-8-sig"))))
        assert (exported[0]["recommended_unit_id"], exported[0]["recommended_unit_name"]) == (
            "snuh_hmo", "Division of Hematology and Medical Oncology (HMO), Department of Internal Medicine, "
                        "Seoul National University Hospital")
        assert (exported[0]["condition_id"], exported[0]["condition_name"]) == (
            "acute_myeloid_leukemia", "acute myeloid leukemia")
        page = ben.get(console.url(f"/inquiries/{reference}")).text
        assert "snuh_hmo" not in page and "acute_myeloid_leukemia" not in page  # names, not ids
        assert "acute myeloid leukemia" in page
        emails = page[page.index('id="emails"'):page.index("Internal notes")]
        assert "Notification to coordinators" in emails and "Last failure: SMTP server unreachable" in emails
        admin_inbox = console.sign_in().get(console.url("/")).text
        assert "Emails could not be sent:" in admin_inbox and "1 waiting to be retried" in admin_inbox
        assert 'id="email-trouble"' not in ben.get(console.url("/")).text  # the administrators' concern

        catcher = SmtpCatcher(mail_port).start()
        try:
            with console.engine.begin() as connection:  # the retry delay passes
                connection.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            [notification] = catcher.wait_for(1)
            assert notification.recipients == ["ben@office.example"]
            assert notification.message["To"] == "ben@office.example"
            assert notification.message["From"] == "Referral office <referrals@hospital.example>"
            assert notification.subject == (f"New referral inquiry {reference} for Division of Hematology and "
                                            "Medical Oncology (HMO) · SNUH")
            body = notification.body
            assert ("Recommended unit: Division of Hematology and Medical Oncology (HMO), Department of Internal "
                    "Medicine, Seoul National University Hospital") in body
            assert f"Reference: {reference}" in body and "Country: Mongolia" in body
            assert "Preferred language: Mongolian" in body and f"{CONSOLE_URL}/inquiries/{reference}" in body
            assert "snuh_hmo" not in body  # names, not ids
            for text in PERSONAL_OR_MEDICAL:
                assert text.lower() not in (notification.subject + body).lower(), text

            anna = console.sign_in()
            reply = "Dear Bat-Erdene, our haematologists can review the slides. Please send the pathology report."
            saved = console.post_form(anna, f"/inquiries/{reference}", f"/inquiries/{reference}/reply",
                                      {"reply-text": reply})
            assert "it is emailed to the patient" in saved.text
            received = catcher.wait_for(2)
        finally:
            catcher.stop()
        answer = received[1]
        assert answer.recipients == ["bat.dorj@example.mn"] and answer.message["To"] == "bat.dorj@example.mn"
        assert answer.subject == f"Reply to your inquiry {reference}"
        assert reply in answer.body and "Anna Kim, international coordinator" in answer.body
        assert f"the reference {reference} and this email address" in answer.body
        assert len(received) == 2  # nothing sent twice

        page = wait_until(lambda: (text := ben.get(console.url(f"/inquiries/{reference}")).text).count(
            'badge-sent">sent') == 2 and text, what="both emails shown as sent")
        assert "Reply to the patient" in page
        status = referrals.status_for_patient(console.engine, reference, "bat.dorj@example.mn")
        assert status.reply == reply and status.status is referrals.Status.ANSWERED
