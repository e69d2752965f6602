"""The authenticated action server (actions/server.py), run as the stack runs it, on test-only actions
(tests/stack/fake_actions.py): the token, malformed and oversized bodies, and a crashing action that
must answer with an apology and leave no personal data in the answer or the log."""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator

import pytest

from actions.server import APOLOGY, TOKEN_HEADER, decode_call
from tests.conftest import skip_or_fail

TOKEN = "test-token-0123456789abcdef"
PERSONAL = ("Jane Roe", "jane.roe@example.org", "stage three melanoma")


def tracker(**slots) -> dict:
    return {"sender_id": "fault-test", "slots": slots,
            "latest_message": {"text": f"I am {PERSONAL[0]}, I have {PERSONAL[2]}"}, "events": []}


def call(action: str, **slots) -> dict:
    return {"next_action": action, "tracker": tracker(**slots), "domain": {}, "version": "3.6.21"}


@pytest.fixture(scope="module")
def action_url(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """An action server on the test-only actions, with its own port and log; yields (url, service)."""
    from settings import load_settings
    from stack.processes import action_server, service_environment

    port = int(os.environ.get("TEST_ACTION_PORT", "5155")) + 3
    settings = dataclasses.replace(load_settings(), action_port=port, action_server_token=TOKEN)
    service = action_server(settings, service_environment(settings),
                            log_dir=tmp_path_factory.mktemp("actions-log"), actions="tests.stack.fake_actions")
    service.start()
    try:
        service.wait_ready(timeout_seconds=60)
    except (RuntimeError, TimeoutError) as error:
        service.stop()
        skip_or_fail(f"the action server did not start: {error}")
    try:
        yield f"http://127.0.0.1:{port}", service
    finally:
        service.stop()


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{url}/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def log_since(service, offset: int) -> str:
    """What the service logged after `offset` bytes of its log."""
    with service.log_path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def log_containing(service, offset: int, expected: str, timeout: float = 10.0) -> str:
    """What the service logged after `offset`, once `expected` is in it (the log writer copies the
    process's output to the file a moment after the HTTP answer) or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    log = log_since(service, offset)
    while expected not in log and time.monotonic() < deadline:
        time.sleep(0.1)
        log = log_since(service, offset)
    return log


def log_size(service) -> int:
    return service.log_path.stat().st_size


def authorised(url: str, payload: dict) -> tuple[int, dict]:
    status, body = post(url, json.dumps(payload).encode(), {TOKEN_HEADER: TOKEN})
    return status, json.loads(body)


def test_health_is_open(action_url):
    url, _ = action_url
    with urllib.request.urlopen(f"{url}/health", timeout=10) as answer:
        assert json.loads(answer.read()) == {"status": "ok"}


@pytest.mark.parametrize("headers", [{}, {TOKEN_HEADER: ""}, {TOKEN_HEADER: "wrong"},
                                     {TOKEN_HEADER: TOKEN[:-1]}, {"Authorization": f"Bearer {TOKEN}"}])
def test_calls_without_the_token_are_refused_and_run_nothing(action_url, headers):
    url, service = action_url
    offset = log_size(service)
    status, body = post(url, json.dumps(call("action_test_crash", inquiry_patient_name=PERSONAL[0])).encode(),
                        headers)
    assert status == 401 and json.loads(body) == {"error": "unauthorized"}
    # the crashing action logs when it runs: nothing logged means it did not run
    assert authorised(url, call("action_test_echo"))[0] == 200
    assert "action_test_crash" not in log_since(service, offset), "the action must not have run"


def test_the_action_list_needs_the_token(action_url):
    url, _ = action_url
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/actions", timeout=10)
    assert refused.value.code == 401
    request = urllib.request.Request(f"{url}/actions", headers={TOKEN_HEADER: TOKEN})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert {"name": "action_test_echo"} in json.loads(answer.read())


def test_a_working_action_answers_as_rasa_expects(action_url):
    status, body = authorised(action_url[0], call("action_test_echo", inquiry_patient_name="Tomas"))
    assert status == 200
    assert body["responses"][0]["text"] == "echo Tomas"
    assert body["events"][0] == {"event": "slot", "timestamp": None, "name": "inquiry_age", "value": "51"}


def test_a_deflated_call_is_read_as_rasa_may_send_it(action_url):
    url, _ = action_url
    body = zlib.compress(json.dumps(call("action_test_echo", inquiry_patient_name="Ana")).encode())
    status, answer = post(url, body, {TOKEN_HEADER: TOKEN, "Content-Encoding": "deflate"})
    assert status == 200 and json.loads(answer)["responses"][0]["text"] == "echo Ana"


@pytest.mark.parametrize("action", ["action_test_crash", "action_test_unserialisable"])
def test_a_crashing_action_gets_an_apology_and_leaks_nothing(action_url, action):
    url, service = action_url
    offset = log_size(service)
    status, raw = post(url, json.dumps(call(action, inquiry_patient_name=PERSONAL[0],
                                            inquiry_contact=PERSONAL[1])).encode(), {TOKEN_HEADER: TOKEN})
    assert status == 200
    assert json.loads(raw) == {"events": [], "responses": [
        {"text": APOLOGY}, {"custom": {"meta": {"action_failed": True}}}]}
    log = log_containing(service, offset, f"action {action} failed with")
    assert f"action {action} failed with" in log, log
    for secret in (*PERSONAL, "half an answer"):
        assert secret not in raw.decode() and secret not in log, secret


def test_a_form_rejection_is_passed_to_rasa(action_url):
    status, body = authorised(action_url[0], call("action_test_reject"))
    assert status == 400 and body["action_name"] == "action_test_reject"


def test_an_unknown_action_is_404_without_the_tracker(action_url):
    url, _ = action_url
    status, raw = post(url, json.dumps(call("action_nope", inquiry_patient_name=PERSONAL[0])).encode(),
                       {TOKEN_HEADER: TOKEN})
    assert status == 404 and PERSONAL[0] not in raw.decode()


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"tracker": {"sender_id": "x"}}', b'{"next_action": "action_test_echo"}',
    b'{"next_action": "action_test_echo", "tracker": {"slots": {}}}',
    json.dumps({"next_action": "action_test_echo", "tracker": {"sender_id": "x"}, "domain": [PERSONAL[0]]}).encode(),
])
def test_malformed_calls_get_400_without_the_body(action_url, body):
    status, raw = post(action_url[0], body, {TOKEN_HEADER: TOKEN})
    assert status == 400
    assert json.loads(raw)["error"].startswith("malformed action call")
    assert PERSONAL[0] not in raw.decode()


def status_for_declared_length(url: str, length: int, token: str = TOKEN) -> int:
    """The status answered to headers announcing `length` bytes, before any byte of the body is sent."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall((f"POST /webhook HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                            f"{TOKEN_HEADER}: {token}\r\nContent-Length: {length}\r\n\r\n").encode())
        return int(connection.recv(200).split(b" ")[1])


def test_oversized_bodies_are_refused_before_reading_also_when_compressed(action_url):
    url, _ = action_url
    assert status_for_declared_length(url, 11 * 1024 * 1024) == 413
    assert status_for_declared_length(url, 11 * 1024 * 1024, token="wrong") == 401
    huge = json.dumps(call("action_test_echo", inquiry_travel="x" * (11 * 1024 * 1024))).encode()
    status, _ = post(url, zlib.compress(huge), {TOKEN_HEADER: TOKEN, "Content-Encoding": "deflate"})
    assert status == 413, "a small compressed body must not inflate past the limit"
    # a large but allowed tracker (a long conversation) still works
    big = call("action_test_echo", inquiry_patient_name="Big", inquiry_travel="x" * (2 * 1024 * 1024))
    assert authorised(url, big)[0] == 200


def test_decode_call_refuses_broken_deflate():
    with pytest.raises(ValueError):
        decode_call(b"not deflate", "deflate", 1000)
