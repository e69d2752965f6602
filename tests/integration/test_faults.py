"""The running stack under faults: services killed mid-conversation, forged calls to the action server,
a crashing action, oversized requests, and where every service listens.

The bot here is this module's own (not the shared `running_bot`): all four services under the same
supervisor as `python -m stack run`, on ports of their own (the test ports + 1) and a temporary SQLite
database, so killing them disturbs no other test.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.conftest import BotClient, inquiry_count, skip_or_fail, text_of
from tests.stack.sockets import listener_pid, listening_sockets

pytestmark = pytest.mark.servers
REFERENCE = re.compile(r"KR-[0-9A-Z]{10}")
PATIENT_NAME, PATIENT_EMAIL = "Aigerim Nurlanovna", "aigerim.family@example.kz"
# After "I would like to come to Korea for treatment": each answer and a words of the question that follows.
FORM = [
    ("I agree", "writing for someone"),
    ("I'm writing for my mother", "related to the patient"),
    ("Son or daughter", "full name"),
    (PATIENT_NAME, "How old"),
    ("63", "country"),
    ("Kazakhstan", "language"),
    ("Russian", "diagnosis"),
    ("acute myeloid leukemia, diagnosed in March", "Where is the patient in their care"),
    ("treated", "What would you like"),
    ("a second opinion and maybe a transplant", "share"),
    ("records and CT scans", "travel plans"),
    ("we could come in May with my brother", "reach you"),
    (f"{PATIENT_EMAIL}, +7 701 234 5678", "Shall I send it"),
]


def port(name: str, default: int, offset: int) -> int:
    return int(os.environ.get(name, str(default))) + offset


def fault_settings(workdir, offset: int, bind_host: str):
    from settings import load_settings
    from stack.processes import action_server_token

    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{workdir / 'faults.db'}", bind_host=bind_host,
        rasa_port=port("TEST_RASA_PORT", 5105, offset), action_port=port("TEST_ACTION_PORT", 5155, offset),
        web_port=port("TEST_WEB_PORT", 8180, offset), console_port=port("TEST_CONSOLE_PORT", 8190, offset))
    # the token the stack makes for this start, so the tests can call the action server as Rasa does
    return dataclasses.replace(settings, action_server_token=action_server_token(settings))


@dataclasses.dataclass
class FaultStack:
    """The supervised services, a REST client, and what the supervisor said."""

    supervisor: object
    bot: BotClient
    said: list[str]

    def service(self, name: str):
        return self.supervisor.service(name)

    def kill(self, name: str, port: int) -> int:
        """SIGKILL the service itself (a crash, nothing cleaned up), not the log writer around it: the
        process listening on `port`; wait until the supervisor's process for it has ended."""
        service = self.service(name)
        pid = listener_pid(service.process.pid, port)
        assert pid is not None, f"nothing under {name} listens on {port}"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while service.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return pid


def supervised_stack(settings, workdir, said: list[str]):
    """Build the knowledge store, start every service under a supervisor; the caller stops it."""
    import subprocess

    from settings import PROJECT_ROOT
    from stack.processes import all_services, service_environment
    from stack.supervisor import BackOff, Supervisor

    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    env = service_environment(settings)
    subprocess.run([sys.executable, "-m", "knowledge", "build"], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True)

    def say(message: str) -> None:
        said.append(message)
        print(f"[supervisor] {message}", file=sys.stderr, flush=True)

    # a first delay long enough to talk to the bot while a killed service is down
    supervisor = Supervisor(all_services(settings, env, log_dir=workdir / "logs"),
                            backoff=BackOff(first=8, cap=16, stable_seconds=60), say=say)
    supervisor.start_all()
    return supervisor.start_in_background()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[FaultStack]:
    workdir = tmp_path_factory.mktemp("faults")
    settings = fault_settings(workdir, offset=1, bind_host="127.0.0.1")  # the default of BIND_HOST
    said: list[str] = []
    supervisor = supervised_stack(settings, workdir, said)
    try:
        yield FaultStack(supervisor, BotClient(settings.rasa_url, settings.database_url, settings), said)
    finally:
        supervisor.stop()


def new_sender() -> str:
    return f"fault-{uuid.uuid4()}"


def metas(replies: list[dict]) -> list[dict]:
    return [reply["custom"]["meta"] for reply in replies
            if isinstance(reply.get("custom"), dict) and "meta" in reply["custom"]]


def post_action(settings, payload: dict, token: str | None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", **({"X-Action-Token": token} if token is not None else {})}
    request = urllib.request.Request(settings.action_server_url, data=json.dumps(payload).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def finish_call(sender: str, **changes) -> dict:
    """A forged call of the action that stores an inquiry, with a tracker Rasa would send at the end of
    a confirmed form."""
    slots = {
        "inquiry_consent": True, "inquiry_confirmed": "submit", "inquiry_writer": "patient",
        "inquiry_relation": None, "inquiry_patient_name": PATIENT_NAME, "inquiry_age": "63",
        "inquiry_country": "KZ", "inquiry_language": "ru", "inquiry_diagnosis": "acute myeloid leukemia",
        "inquiry_stage": "treated", "inquiry_wants": ["second_opinion"],
        "inquiry_documents": {"has_records": True, "has_pathology": False, "has_imaging": True},
        "inquiry_travel": "none", "inquiry_contact": {"email": PATIENT_EMAIL},
        **changes,
    }
    return {"next_action": "action_finish_inquiry", "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": slots, "events": [], "paused": False,
                        "latest_message": {"text": "send it", "intent": {"name": "affirm", "confidence": 1.0}},
                        "active_loop": {}, "latest_action_name": "referral_form"}}


# --- (d) where the services listen ---------------------------------------------------------------------

def test_every_service_listens_only_on_the_bind_host(stack):
    settings = stack.bot.settings
    expected = {"action server": settings.action_port, "Rasa server": settings.rasa_port,
                "widget page": settings.web_port, "coordinators' console": settings.console_port}
    for service in stack.supervisor.services:
        sockets = listening_sockets(service.process.pid)
        assert (settings.bind_host, expected[service.name]) in sockets, (service.name, sockets)
        assert {address for address, _ in sockets} == {"127.0.0.1"}, (service.name, sockets)


# --- (c) forged calls to the action server -------------------------------------------------------------

def test_a_forged_call_without_the_token_runs_nothing(stack):
    settings = stack.bot.settings
    before = inquiry_count(settings.database_url)
    for token in (None, "", "not-the-token"):
        status, body = post_action(settings, finish_call(new_sender()), token)
        assert status == 401, (token, status, body)
        assert PATIENT_NAME not in body
    assert inquiry_count(settings.database_url) == before, "no inquiry may be stored"
    # the same call with the token, as the Rasa server sends it, does store one: the forgery was real
    status, body = post_action(settings, finish_call(new_sender()), settings.action_server_token)
    assert status == 200 and REFERENCE.search(body), body
    assert inquiry_count(settings.database_url) == before + 1


# --- (e) a real action that crashes ----------------------------------------------------------------------

def test_a_crashing_real_action_apologises_and_logs_no_personal_data(stack):
    """A tracker from an older version of the form (documents and contact as plain text) makes
    `action_finish_inquiry` fail."""
    settings, service = stack.bot.settings, stack.service("action server")
    token = settings.action_server_token
    offset = service.log_path.stat().st_size
    status, body = post_action(settings, finish_call(new_sender(), inquiry_documents="records and scans",
                                                     inquiry_contact=PATIENT_EMAIL), token)
    assert status == 200
    assert json.loads(body)["events"] == [] and "something went wrong on my side" in body, body
    assert PATIENT_NAME not in body and PATIENT_EMAIL not in body
    time.sleep(0.5)
    with service.log_path.open("rb") as log:
        log.seek(offset)
        logged = log.read().decode(errors="replace")
    assert "action action_finish_inquiry failed with" in logged, logged
    assert PATIENT_NAME not in logged and PATIENT_EMAIL not in logged and "records and scans" not in logged


# --- (b) the action server dies in the middle of a referral form ---------------------------------------------

def test_the_form_survives_an_action_server_crash(stack):
    bot, action = stack.bot, stack.service("action server")
    sender = new_sender()
    assert "consent" in text_of(bot.send(sender, "I would like to come to Korea for treatment")).lower()
    for answer, question in FORM[:2]:
        assert question.lower() in text_of(bot.send(sender, answer)).lower(), answer
    stack.kill("action server", bot.settings.action_port)
    while_down = bot.send(sender, FORM[2][0])
    assert not action.answers(), "the reply must have come while the action server was down"
    assert while_down, "the patient always gets a reply"
    assert any(meta.get("unavailable") for meta in metas(while_down)), while_down
    assert "unavailable" in text_of(while_down).lower()
    assert "full name" not in text_of(while_down), "the answer was not taken while nothing could check it"

    stack.supervisor.wait_restarted("action server", timeout=180)
    assert any(line.startswith("action server stopped (killed by signal SIGKILL (9)") for line in stack.said)
    # the same answer again: the form goes on from the question it was on, with nothing lost
    for answer, question in FORM[2:]:
        text = text_of(bot.send(sender, answer))
        assert question.lower() in text.lower(), (answer, text)
    assert PATIENT_NAME in text and "Kazakhstan" in text
    done = text_of(bot.send(sender, "send it"))
    assert REFERENCE.search(done), done
    from referrals import get_inquiry
    from settings.database import make_engine

    with Session(make_engine(bot.database_url)) as session:
        inquiry = get_inquiry(session, REFERENCE.search(done).group(0))
        # the answers given before the crash are in the stored inquiry
        assert (inquiry.writer, inquiry.relation) == ("relative", "child")
        assert inquiry.patient_name == PATIENT_NAME and inquiry.conversation_id == sender
    for service in stack.supervisor.services:
        log = service.log_path.read_text(errors="replace")
        assert PATIENT_NAME not in log and PATIENT_EMAIL not in log, f"personal data in {service.log_path}"


# --- (a) the Rasa server dies mid-conversation ---------------------------------------------------------------

def unit_ids(replies: list[dict]) -> list[str]:
    found = metas(replies)
    return found[-1].get("unit_ids", []) if found else []


def test_a_conversation_continues_after_a_rasa_server_crash(stack):
    bot = stack.bot
    action_pid = stack.service("action server").process.pid
    sender = new_sender()
    assert unit_ids(bot.send(sender, "I'm 40 and have lymphoma, where do I go?"))[:1] == ["snuh_hmo_hematology"]
    stack.kill("Rasa server", bot.settings.rasa_port)
    with pytest.raises(OSError):
        bot.send(sender, "hello", timeout=5)
    stack.supervisor.wait_restarted("Rasa server", timeout=400)
    assert any(line.startswith("Rasa server stopped (killed by signal SIGKILL (9)") for line in stack.said)
    assert stack.service("action server").process.pid == action_pid, "the other services were left alone"
    # the condition comes from the tracker store: a new conversation asking the same gets no such route
    assert unit_ids(bot.send(sender, "what about for my son? he is 9"))[:1] == ["snuh_pediatric_hmo"]
    assert unit_ids(bot.send(new_sender(), "what about for my son? he is 9"))[:1] != ["snuh_pediatric_hmo"]


# --- the 150 KB message that used to kill the Rasa server ------------------------------------------------------

def status_for_declared_length(host: str, port_number: int, path: str, length: int) -> int:
    """The status answered to headers announcing `length` bytes, with no byte of the body sent: only a
    limit applied before the body is read (Sanic's REQUEST_MAX_SIZE) can answer this."""
    with socket.create_connection((host, port_number), timeout=15) as connection:
        connection.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                            f"Content-Length: {length}\r\n\r\n").encode())
        return int(connection.recv(200).split(b" ")[1])


def test_an_oversized_message_is_refused_and_the_bot_keeps_answering(stack):
    bot, rasa = stack.bot, stack.service("Rasa server")
    pid = rasa.process.pid
    settings = bot.settings
    assert status_for_declared_length(settings.connect_host, settings.rasa_port, "/webhooks/rest/webhook",
                                      settings.max_request_bytes + 1) == 413
    body = json.dumps({"sender": new_sender(), "message": "a" * 150_000}).encode()
    request = urllib.request.Request(f"{bot.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert text_of(bot.send(new_sender(), "hello")), "the bot still answers"
    assert rasa.process.pid == pid and rasa.running()


# --- (d) with BIND_HOST set, everything follows it --------------------------------------------------------------

def test_with_bind_host_set_every_service_follows_it(tmp_path_factory):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.2", 0))
        except OSError:
            skip_or_fail("127.0.0.2 cannot be bound here (Linux binds all of 127.0.0.0/8)")
    workdir = tmp_path_factory.mktemp("bind-host")
    settings = fault_settings(workdir, offset=2, bind_host="127.0.0.2")
    supervisor = supervised_stack(settings, workdir, [])
    try:
        for service in supervisor.services:
            addresses = {address for address, _ in listening_sockets(service.process.pid)}
            assert addresses == {"127.0.0.2"}, (service.name, addresses)
        # the Rasa server reaches the action server there too (a route needs a custom action)
        replies = BotClient(settings.rasa_url, settings.database_url, settings).send(
            new_sender(), "my father has lung cancer, who should he see?")
        assert unit_ids(replies)[:1] == ["snuh_hmo_medical_oncology"], replies
    finally:
        supervisor.stop()
