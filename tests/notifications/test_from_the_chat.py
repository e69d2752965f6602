"""The chat's last step (`action_finish_inquiry`, as the action server runs it): the patient gets the
reference with the promised answer time, and the unit's coordinator's notification is queued with the
inquiry."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.inquiry_submission import ActionFinishInquiry
from notifications.outbox import OutboxMessage

SLOTS = dict(
    inquiry_consent=True, inquiry_writer="relative", inquiry_relation="parent", inquiry_patient_name="Lee Min",
    inquiry_age="9", inquiry_country="MN", inquiry_language="mn", inquiry_diagnosis="neuroblastoma",
    inquiry_stage="treated", inquiry_wants=["second_opinion"],
    inquiry_documents={"has_records": True, "has_pathology": False, "has_imaging": True},
    inquiry_travel="none", inquiry_contact={"email": "lee@example.mn"}, inquiry_confirmed="submit",
    inquiry_unit_id="snuh_hmo", inquiry_condition_id="neuroblastoma", inquiry_submission_key="k" * 32,
)


def test_the_sent_message_promises_a_time_and_the_coordinator_is_notified(engine, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RESPONSE_TARGET_WORKING_DAYS", "2")
    latest = {"text": "send it", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    tracker = Tracker("chat-walk-1", SLOTS, latest, [], False, None, {"name": "referral_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFinishInquiry().run(dispatcher, tracker, {}))
    text = dispatcher.messages[0]["text"]
    assert "Your reference number is **KR-" in text
    assert "The international office promises an answer within 2 working days: by " in text
    reference = text.split("**")[1]
    with Session(engine, future=True) as session:
        [message] = session.execute(select(OutboxMessage)).scalars().all()
    assert (message.kind, message.reference, message.recipients) == ("arrival", reference, ["ben@office.example"])
    assert "Lee Min" not in message.body and "neuroblastoma" not in message.body
