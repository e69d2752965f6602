"""The status and deletion flows as patients use them, over the REST channel of the running bot: any
phrasing, the reference asked for when missing (never judged before it is typed), wrong contacts, lost
references and contacts, questions, stops and emergencies in between, and the per-reference limit
across conversations. Every message here is written for this test (none is NLU training data)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referrals import create_schema, get_inquiry, submit_inquiry
from referrals.access_attempts import AccessFailure
from settings.database import make_engine

pytestmark = pytest.mark.servers

EMAIL, PHONE = "oyun.tseren@example.mn", "+976 8811 4477"
ASKS_REFERENCE = "It starts with KR-"
ASKS_CONTACT = "email address or phone number you used"
COORDINATORS = "+82"
NOT_A_REFERENCE = "doesn't look like a reference"
NOT_FOUND = "couldn't find an inquiry"


@dataclass(frozen=True)
class Step:
    """One message and what the bot's text replies must (`expect`) and must not (`forbid`) contain;
    `{reference}`, `{email}`, `{phone}` are the test inquiry's."""

    message: str
    expect: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    topic: str | None = None  # the topic of the answer's meta reply, where it matters


@dataclass(frozen=True)
class Case:
    steps: tuple[Step, ...]
    failures: int = 0  # failed checks the reference must have counted at the end
    deleted: bool = False
    later: tuple[Step, ...] = field(default=())


CASES = {
    "status, reference asked for, right email": Case((
        Step("Could you check how my inquiry is doing?", (ASKS_REFERENCE,), (NOT_A_REFERENCE, "None")),
        Step("{reference}", (ASKS_CONTACT,), (NOT_A_REFERENCE,)),
        Step("{email}", ("{reference}", "no reply yet"), (NOT_FOUND,)),
    )),
    "status, reference in the request, phone with other spacing": Case((
        Step("hi, any reply yet about {reference}?", (ASKS_CONTACT,), (NOT_A_REFERENCE,)),
        Step("my phone is 00976 88 11 44 77", ("{reference}", "no reply yet")),
    )),
    "status, wrong email": Case((
        Step("did somebody read the request I sent? it is {reference}", (ASKS_CONTACT,)),
        Step("oyun.t@example.mn", (NOT_FOUND,), ("{reference}:",)),
    ), failures=1),
    "status, a greeting instead of the reference is re-asked with a hint": Case((
        Step("I need the state of my application please", (ASKS_REFERENCE,), (NOT_A_REFERENCE,)),
        Step("yes I have it", (NOT_A_REFERENCE, "say so")),
        Step("{reference}", (ASKS_CONTACT,)),
    )),
    "status, the reference is lost": Case((
        Step("is there news about my application", (ASKS_REFERENCE,)),
        Step("I have lost the reference code", ("reference number", COORDINATORS), (NOT_A_REFERENCE, ASKS_REFERENCE)),
    )),
    "status, the contact is forgotten": Case((
        Step("status for {reference}", (ASKS_CONTACT,)),
        Step("I can't remember which e-mail I wrote there", (COORDINATORS,), (NOT_FOUND, ASKS_CONTACT)),
    )),
    "status, a question with never mind is answered": Case((
        Step("did my inquiry reach the coordinators", (ASKS_REFERENCE,)),
        Step("never mind, is CAR-T available?", ("CAR-T",), (NOT_A_REFERENCE, ASKS_REFERENCE), topic="car_t"),
    )),
    "status, an emergency comes first": Case((
        Step("check my inquiry please, {reference}", (ASKS_CONTACT,)),
        Step("my son has a high fever during his chemo", ("119",), (NOT_FOUND, ASKS_CONTACT), topic="emergency"),
    )),
    "status, stopped": Case((
        Step("what about my inquiry, is it answered?", (ASKS_REFERENCE,)),
        Step("stop now, I'll wait", ("stopped",), (NOT_A_REFERENCE,)),
    )),
    "deletion, right phone": Case((
        Step("I'd like my personal data taken out of your system", (ASKS_REFERENCE,), (NOT_A_REFERENCE,)),
        Step("the reference is {reference}", (ASKS_CONTACT,)),
        Step("{phone}", ("deleted",)),
    ), deleted=True),
    "deletion, wrong contact deletes nothing": Case((
        Step("erase my inquiry {reference} please", (ASKS_CONTACT,)),
        Step("+976 8811 0000", (NOT_FOUND,), ("deleted",)),
    ), failures=1),
    "deletion, the reference is not known": Case((
        Step("please delete what I sent you before", (ASKS_REFERENCE,)),
        Step("I don't know the number", (COORDINATORS,), (NOT_A_REFERENCE,)),
    )),
    "deletion, a question instead of the contact ends it": Case((
        Step("delete {reference}", (ASKS_CONTACT,)),
        Step("do they treat skin cancer in children?", (), (NOT_FOUND, "deleted", ASKS_CONTACT)),
    )),
    "deletion turns into a status check": Case((
        Step("remove my info from the hospital please", (ASKS_REFERENCE,)),
        Step("wait, I only want to know if they answered me", (ASKS_REFERENCE,), ("deleted",)),
        Step("{reference}", (ASKS_CONTACT,)),
        Step("{email}", ("{reference}", "no reply yet"), ("deleted",)),
    )),
}


def new_inquiry(bot) -> str:
    data = {"consent": True, "conversation_id": f"seed-{uuid.uuid4()}", "writer": "patient",
            "patient_name": "Oyun Tseren", "age_or_birth_date": "58", "country": "Mongolia",
            "language": "Mongolian", "diagnosis": "breast cancer", "stage": "treated", "wants": ["second_opinion"],
            "contact_email": EMAIL, "contact_phone": PHONE}
    engine = make_engine(bot.database_url)
    create_schema(engine)  # the action server creates the tables on first use; this may come first
    return submit_inquiry(engine, data)


def failures_of(bot, reference: str) -> int:
    with Session(make_engine(bot.database_url)) as session:
        return session.execute(select(func.count()).select_from(AccessFailure)
                               .where(AccessFailure.reference == reference)).scalar_one()


def texts_and_topic(replies: list[dict]) -> tuple[str, str | None]:
    metas = [reply["custom"]["meta"] for reply in replies if isinstance(reply.get("custom"), dict)
             and "meta" in reply["custom"]]
    return "\n".join(reply["text"] for reply in replies if reply.get("text")), (metas[-1]["topic"] if metas else None)


def play(bot, sender: str, steps, values: dict[str, str]) -> None:
    for step in steps:
        replies = bot.send(sender, step.message.format(**values))
        text, topic = texts_and_topic(replies)
        for wanted in step.expect:
            assert wanted.format(**values) in text, (step.message, text)
        for unwanted in step.forbid:
            assert unwanted.format(**values) not in text, (step.message, text)
        if step.topic:
            assert topic == step.topic, (step.message, replies)


@pytest.mark.parametrize("name", list(CASES))
def test_status_and_deletion_flows(running_bot, name):
    case = CASES[name]
    reference = new_inquiry(running_bot)
    values = {"reference": reference, "email": EMAIL, "phone": PHONE}
    play(running_bot, f"access-{uuid.uuid4()}", case.steps, values)
    assert failures_of(running_bot, reference) == case.failures, "failed checks counted against the reference"
    with Session(make_engine(running_bot.database_url)) as session:
        assert (get_inquiry(session, reference).personal_data_deleted_at is not None) is case.deleted


def test_the_emergency_answer_comes_before_anything_else(running_bot):
    sender = f"access-{uuid.uuid4()}"
    running_bot.send(sender, "what is the news on my inquiry")
    texts = [reply["text"] for reply in running_bot.send(sender, "my mother can't breathe, help") if reply.get("text")]
    assert "119" in texts[0]


def test_guesses_are_limited_per_reference_across_conversations(running_bot):
    """Five wrong contacts from five conversations (one of them restarted) lock the reference: the
    sixth, with the right contact, is refused with the coordinators' contact and nothing shown."""
    reference = new_inquiry(running_bot)
    restarted = f"access-{uuid.uuid4()}"
    for attempt in range(5):
        sender = restarted if attempt >= 3 else f"access-{uuid.uuid4()}"
        if attempt == 4:
            running_bot.send(sender, "/restart")
        running_bot.send(sender, f"status of {reference} please")
        assert NOT_FOUND in running_bot.texts(sender, f"guess{attempt}@example.mn")
    sender = f"access-{uuid.uuid4()}"
    reply = running_bot.texts(sender, f"any news on {reference}?")
    if ASKS_CONTACT in reply:  # the lock may be said at once, or after the contact
        reply = running_bot.texts(sender, EMAIL)
    assert "locked" in reply and COORDINATORS in reply
    assert "no reply yet" not in reply and reference + ":" not in reply
    other = new_inquiry(running_bot)
    sender = f"access-{uuid.uuid4()}"
    running_bot.send(sender, f"status of {other} please")
    assert "no reply yet" in running_bot.texts(sender, EMAIL), "other references are not affected"
