"""The outbox and its delivery through a real SMTP server (aiosmtpd, started here): what is queued for
whom, SMTP down then up (every message delivered once, none lost, none twice), two deliverers at once,
a deliverer that dies mid-send, permanent failures, no SMTP configured, erasure."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import referrals
from notifications import outbox
from notifications.delivery import deliver_due
from notifications.smtp import SmtpConfig
from referrals.models import utcnow
from tests.smtp_catcher import SmtpCatcher, smtp_port


@pytest.fixture()
def port(request) -> int:
    return smtp_port(10 + (1 if "postgresql" in request.node.name else 0))


def config(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, tls="none", user="", password="",
                      sender="Referral office <referrals@hospital.example>", timeout=5)


def messages(engine, **where) -> list[outbox.OutboxMessage]:
    with Session(engine, future=True) as session:
        query = select(outbox.OutboxMessage).order_by(outbox.OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(outbox.OutboxMessage, name) == value)
        return list(session.execute(query).scalars())


def test_a_new_inquiry_queues_a_notification_for_its_units_queue(engine, inquiry_data, personal_or_medical):
    reference = referrals.submit_once(engine, "key-1", inquiry_data())
    other = referrals.submit_once(engine, "key-2", inquiry_data(recommended_unit_id="smc_gynecologic_cancer_center"))
    again = referrals.submit_once(engine, "key-1", inquiry_data())  # a retried "send it"
    assert again == reference
    queued = messages(engine, kind="arrival")
    assert [(m.reference, m.recipients) for m in queued] == [
        (reference, ["ben@office.example"]),  # ben works snuh_hmo
        (other, ["anna@office.example"]),  # nobody works that unit: the administrators
    ]
    first = queued[0]
    assert reference in first.subject and first.state == "pending"
    assert "Mongolia" in first.body and "Mongolian" in first.body
    assert f"https://console.example.org/inquiries/{reference}" in first.body
    assert "Answer by:" in first.body and "2 working days" in first.body
    for text in personal_or_medical:
        assert text.lower() not in (first.subject + first.body).lower(), text


def test_smtp_down_then_up_delivers_every_message_once(engine, inquiry_data, port):
    refs = [referrals.submit_inquiry(engine, inquiry_data(conversation_id=f"c{n}")) for n in range(4)]
    with Session(engine, future=True) as session:
        referrals.reply_to_patient(session, refs[0], "Please send the pathology report.", by="ben")
    assert len(messages(engine)) == 5  # 4 notifications and the reply
    start = utcnow()

    down = deliver_due(engine, config(port), now=start)  # nothing listens on the port
    assert (down.sent, down.retrying, down.failed) == (0, 5, 0)
    pending = messages(engine)
    assert {m.state for m in pending} == {"pending"} and {m.attempts for m in pending} == {1}
    assert all("unreachable" in m.last_error for m in pending)
    assert deliver_due(engine, config(port), now=start + timedelta(seconds=5)).retrying == 0  # waits its delay

    catcher = SmtpCatcher(port).start()
    try:
        up = deliver_due(engine, config(port), now=start + timedelta(minutes=2))
        assert (up.sent, up.retrying, up.failed) == (5, 0, 0)
        assert deliver_due(engine, config(port), now=start + timedelta(hours=2)).sent == 0
        received = catcher.wait_for(5)
    finally:
        catcher.stop()
    assert len(received) == 5
    ids = [r.message["Message-ID"] for r in received]
    assert sorted(ids) == sorted(m.message_id for m in messages(engine))  # each once, none lost
    assert {m.state for m in messages(engine)} == {"sent"}
    assert all(m.last_error is None and m.sent_at is not None for m in messages(engine))
    assert [m.body for m in messages(engine, kind="reply")] == [outbox.SENT_REPLY]  # one copy: the inquiry's


def test_two_deliverers_at_once_send_each_message_once(engine, inquiry_data, port):
    for n in range(8):
        referrals.submit_inquiry(engine, inquiry_data(conversation_id=f"c{n}"))
    catcher = SmtpCatcher(port).start()
    try:
        rounds = []
        threads = [threading.Thread(target=lambda: rounds.append(deliver_due(engine, config(port)))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(r.sent for r in rounds) == 8
        received = catcher.wait_for(8)
    finally:
        catcher.stop()
    ids = [r.message["Message-ID"] for r in received]
    assert len(ids) == len(set(ids)) == 8


def test_a_deliverer_that_died_mid_send_is_replaced_after_its_lease(engine, inquiry_data, port):
    referrals.submit_inquiry(engine, inquiry_data())
    start = utcnow()
    with Session(engine, future=True) as session:
        claimed = outbox.claim_due(session, start)  # ... and the process dies before sending
    assert len(claimed) == 1
    catcher = SmtpCatcher(port).start()
    try:
        assert deliver_due(engine, config(port), now=start + timedelta(minutes=1)).sent == 0  # still leased
        assert deliver_due(engine, config(port), now=start + outbox.LEASE + timedelta(seconds=1)).sent == 1
        assert len(catcher.wait_for(1)) == 1
    finally:
        catcher.stop()
    [message] = messages(engine)
    assert (message.state, message.attempts) == ("sent", 2)


class RefusingCatcher(SmtpCatcher):
    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, N802
        return "550 5.1.1 No such user"


def test_a_refused_address_fails_for_good_and_can_be_retried(engine, inquiry_data, port):
    reference = referrals.submit_inquiry(engine, inquiry_data())
    catcher = RefusingCatcher(port).start()
    try:
        result = deliver_due(engine, config(port))
    finally:
        catcher.stop()
    assert (result.sent, result.failed) == (0, 1)
    [message] = messages(engine, reference=reference)
    assert message.state == "failed" and "550" in message.last_error
    assert "ben@office.example" not in message.last_error  # no address in the error text
    with Session(engine, future=True) as session:
        assert outbox.retry(session, message.id, utcnow())
        assert not outbox.retry(session, message.id, utcnow())  # only a failed one
    assert messages(engine, reference=reference)[0].state == "pending"


def test_without_smtp_the_outbox_keeps_the_messages(engine, inquiry_data):
    referrals.submit_inquiry(engine, inquiry_data())
    assert SmtpConfig.from_settings(referrals_settings(SMTP_HOST="")) is None
    assert deliver_due(engine, None).sent == 0
    assert [m.state for m in messages(engine)] == ["pending"]


def referrals_settings(**env: str):
    import os
    from unittest import mock

    from settings import load_settings

    with mock.patch.dict(os.environ, env):
        return load_settings()


def test_erasure_removes_the_patients_address_and_reply_from_the_outbox(engine, inquiry_data):
    reference = referrals.submit_inquiry(engine, inquiry_data())
    with Session(engine, future=True) as session:
        referrals.reply_to_patient(session, reference, "We can review the slides.", by="ben")
    assert referrals.delete_personal_data(engine, reference, "bat.dorj@example.mn")
    [reply] = messages(engine, kind="reply")
    assert (reply.state, reply.recipients, reply.body) == ("cancelled", [], outbox.REMOVED)
    assert [m.state for m in messages(engine, kind="arrival")] == ["pending"]  # no personal data in it
