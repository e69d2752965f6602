"""The replicated set-up of `make run-cluster` over real HTTP: two Rasa servers and two action servers
behind nginx, the tracker store on PostgreSQL, Rasa's Redis lock store, all under the stack's supervisor.

One cluster for the module, on ports of its own (the test ports + 40; the replicas on the ports after
them), a fresh PostgreSQL database and its own logs. Without nginx, PostgreSQL or Redis the tests skip
with the reason; in CI (`CI=true`) they fail.
"""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import _create_postgres_database, _drop_postgres_database, inquiry_count, skip_or_fail, text_of
from tests.integration.test_faults import FORM, REFERENCE
from tests.stack.sockets import listener_pid

pytestmark = pytest.mark.servers
PORT_OFFSET = 40
# the referral form's answers and the words of the question each one leads to, as the fault tests play it
FORM_START = FORM[:5]


@dataclasses.dataclass
class Cluster:
    supervisor: object
    plan: object
    access_log: Path

    @property
    def url(self) -> str:
        return f"{self.plan.balancer_url}/webhooks/rest/webhook"

    def send(self, sender: str, message: str, timeout: float = 40) -> list[dict]:
        request = urllib.request.Request(self.url, data=json.dumps({"sender": sender, "message": message}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read())

    def upstreams(self, port: int, since_line: int = 0) -> list[str]:
        """The replicas nginx passed requests for `port` to, from the access log (line `since_line` on)."""
        lines = self.access_log.read_text().splitlines()[since_line:] if self.access_log.exists() else []
        return [line.split("upstream=")[1].split()[0] for line in lines if f" {port} " in line and "upstream=" in line]

    def logged_upstreams(self, port: int, since_line: int, count: int, timeout: float = 5) -> list[str]:
        """`upstreams()` once `count` requests are logged: nginx writes a request's line after the client
        has its answer, so the last lines can lag behind the replies."""
        deadline = time.monotonic() + timeout
        while len(found := self.upstreams(port, since_line)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return found

    def log_lines(self) -> int:
        return len(self.access_log.read_text().splitlines()) if self.access_log.exists() else 0

    def user_messages(self, sender: str) -> list[str]:
        """The conversation's user messages as stored in PostgreSQL's events table, oldest first."""
        return [event["text"] for event in self.stored_events(sender) if event["event"] == "user"]

    def stored_events(self, sender: str) -> list[dict]:
        from referrals.transcript import events
        from settings.database import make_engine

        engine = make_engine(self.plan.settings.database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(select(events.c.data).where(events.c.sender_id == sender)
                                          .order_by(events.c.id))
                return [json.loads(data) for (data,) in rows]
        finally:
            engine.dispose()


def cluster_plan(database_url: str):
    from settings import load_settings
    from stack import cluster

    def port(name: str, default: int) -> int:
        return int(os.environ.get(name, str(default))) + PORT_OFFSET

    settings = dataclasses.replace(
        load_settings(), database_url=database_url, bind_host="127.0.0.1",
        rasa_port=port("TEST_RASA_PORT", 5105), action_port=port("TEST_ACTION_PORT", 5155),
        web_port=port("TEST_WEB_PORT", 8180), console_port=port("TEST_CONSOLE_PORT", 8190))
    return cluster.plan(settings, rasa_replicas=2, action_replicas=2)


@pytest.fixture(scope="module")
def running_cluster(tmp_path_factory) -> Iterator[Cluster]:
    from settings import PROJECT_ROOT
    from stack import cluster
    from stack.supervisor import BackOff, Supervisor

    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    if cluster.nginx_executable() is None:
        skip_or_fail("nginx is not installed (Debian: apt-get install nginx); the cluster's balancer needs it")
    database_url = _create_postgres_database()
    workdir = tmp_path_factory.mktemp("cluster")
    try:
        plan = cluster_plan(database_url)
        problems = cluster.missing_requirements(plan)
        if problems:
            skip_or_fail("; ".join(problems))
        subprocess.run([sys.executable, "-m", "knowledge", "build"], cwd=PROJECT_ROOT,
                       env=cluster.cluster_environment(plan), check=True, capture_output=True)
        services = cluster.cluster_services(plan, log_dir=workdir / "logs", var_dir=workdir / "var",
                                            with_extras=False)
        supervisor = Supervisor(services, backoff=BackOff(first=1, cap=4, stable_seconds=60),
                                say=lambda message: print(f"[supervisor] {message}", file=sys.stderr, flush=True))
        supervisor.start_all()
        supervisor.start_in_background()
        try:
            yield Cluster(supervisor, plan, workdir / "var" / "access.log")
        finally:
            supervisor.stop()
    finally:
        _drop_postgres_database(database_url)


def new_sender(kind: str) -> str:
    return f"cluster-{kind}-{uuid.uuid4().hex[:12]}"


def test_the_balancer_answers_and_spreads_conversations_over_the_replicas(running_cluster):
    start = running_cluster.log_lines()
    replies: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def patient(sender: str) -> None:
        try:
            replies[sender] = [text_of(running_cluster.send(sender, message)) for message in
                               ("hello", "my father has leukemia, where should he be treated?", "thank you")]
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    senders = [new_sender("spread") for _ in range(8)]
    threads = [threading.Thread(target=patient, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert all(all(texts) for texts in replies.values()) and len(replies) == 8
    assert any("Hematology" in texts[1] for texts in replies.values())
    plan = running_cluster.plan
    rasa_upstreams = running_cluster.logged_upstreams(plan.settings.rasa_port, start, count=24)
    action_upstreams = running_cluster.upstreams(plan.settings.action_port, start)
    assert len(rasa_upstreams) == 24
    assert {f"127.0.0.1:{port}" for port in plan.rasa_ports} == set(rasa_upstreams)
    assert {f"127.0.0.1:{port}" for port in plan.action_ports} == set(action_upstreams)
    with urllib.request.urlopen(f"{plan.balancer_url}/balancer/health", timeout=5) as answer:
        assert answer.status == 200


def test_a_conversation_keeps_its_form_state_across_replicas(running_cluster):
    sender = new_sender("form")
    start = running_cluster.log_lines()
    running_cluster.send(sender, "hello")
    asked = text_of(running_cluster.send(sender, "I would like to come to Korea for treatment"))
    assert "agree" in asked.lower() or "consent" in asked.lower(), asked
    for answer, next_question in FORM_START:
        reply = text_of(running_cluster.send(sender, answer))
        assert next_question.lower() in reply.lower(), (answer, reply)
    served_by = running_cluster.logged_upstreams(running_cluster.plan.settings.rasa_port, start,
                                                 count=len(FORM_START) + 2)
    assert len(set(served_by)) == 2, "the turns were all served by one replica"
    assert running_cluster.user_messages(sender)[-1] == FORM_START[-1][0]


def test_concurrent_inquiries_through_the_balancer_give_one_row_each(running_cluster):
    database_url = running_cluster.plan.settings.database_url
    before = inquiry_count(database_url)
    references: dict[str, str] = {}
    errors: list[BaseException] = []

    def patient(sender: str) -> None:
        try:
            assert "consent" in text_of(running_cluster.send(sender, "I would like to come to Korea for treatment")
                                        ).lower()
            for answer, question in FORM:
                reply = text_of(running_cluster.send(sender, answer))
                assert question.lower() in reply.lower(), (answer, reply)
            done = text_of(running_cluster.send(sender, "send it"))
            references[sender] = REFERENCE.search(done).group(0)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=patient, args=(new_sender("inquiry"),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    assert not errors, errors
    assert len(set(references.values())) == 4
    assert inquiry_count(database_url) - before == 4


def test_two_messages_of_one_conversation_at_once_are_processed_one_after_the_other(running_cluster):
    # A cold action server builds its term matcher and store snapshot on its first routing question, which
    # on a loaded 2-core machine can outlast the lock's lifetime (20 s): warm every replica first, so that
    # this measures the lock, not a cold start (two conversations: the balancer sends them to both).
    for _ in range(2):
        running_cluster.send(new_sender("warm"), "where should an adult with lymphoma be treated?")
    sender = new_sender("lock")
    running_cluster.send(sender, "hello")
    messages = ["my father has leukemia, where should he be treated?", "is there support for families?"]
    barrier = threading.Barrier(len(messages))
    answers: dict[str, list[dict]] = {}

    def send(message: str) -> None:
        barrier.wait()
        answers[message] = running_cluster.send(sender, message)

    threads = [threading.Thread(target=send, args=(message,)) for message in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(text_of(answers[message]) for message in messages)
    stored = running_cluster.stored_events(sender)
    users = [event["text"] for event in stored if event["event"] == "user"]
    assert users[0] == "hello" and sorted(users[1:]) == sorted(messages)   # neither turn lost
    # each turn complete before the next began: the events of one message end with action_listen
    # before the next message's user event
    turns: list[list[str]] = []
    for event in stored:
        if event["event"] == "user":
            turns.append([])
        elif turns and event["event"] == "action":
            turns[-1].append(event["name"])
    assert len(turns) == 3
    assert all(turn and turn[-1] == "action_listen" and turn.count("action_listen") == 1 for turn in turns), turns


def send_with_retries(cluster: Cluster, sender: str, message: str, retries: list[str]) -> list[dict]:
    """What the widget's patient does when the assistant is briefly unavailable: send again."""
    for attempt in range(5):
        try:
            return cluster.send(sender, message)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            retries.append(f"{sender}: {error.__class__.__name__}")
            time.sleep(1 + attempt)
    raise AssertionError(f"{sender} got no answer to {message!r} after 5 tries")


def test_a_replica_killed_mid_load_is_restarted_and_no_conversation_loses_messages(running_cluster):
    supervisor = running_cluster.supervisor
    victim = supervisor.service("Rasa server 1")
    victim_port = running_cluster.plan.rasa_ports[0]
    restarts_before = supervisor.states[victim.name].restarts
    messages = ["hello", "my son has osteosarcoma in his knee", "he is 14", "is there support for families?",
                "do they do surgery?", "thank you"]
    senders = [new_sender("kill") for _ in range(6)]
    retries: list[str] = []
    errors: list[BaseException] = []

    def patient(sender: str) -> None:
        try:
            for message in messages:
                assert text_of(send_with_retries(running_cluster, sender, message, retries))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=patient, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    time.sleep(1.5)   # mid-load: conversations are under way on both replicas
    pid = listener_pid(victim.process.pid, victim_port)
    assert pid is not None, "nothing listens on the first replica's port"
    os.kill(pid, signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=150)
    assert not errors, errors
    for sender in senders:
        stored = running_cluster.user_messages(sender)
        # a message re-sent after its first try was stored (killed between saving and answering)
        # is stored twice in a row; nothing else may differ
        deduplicated = [message for i, message in enumerate(stored) if i == 0 or stored[i - 1] != message]
        assert deduplicated == messages, (sender, stored)
    supervisor.wait_restarted(victim.name, restarts=restarts_before + 1, timeout=150)
    with urllib.request.urlopen(f"http://127.0.0.1:{victim_port}/", timeout=10) as answer:
        assert answer.status == 200
    print(f"retries while the replica was down: {len(retries)}", file=sys.stderr)
