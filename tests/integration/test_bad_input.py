"""A corpus of bad, odd and hostile requests sent over real HTTP to the running bot's REST channel
(`running_bot`: the real Rasa server with server/channel.py in front of NLU).

Every request must get a 2xx or a 4xx, never a 5xx; where it matters, the exact status (415 for a
content type other than JSON, 400 for a malformed body, 413 for a body over MAX_REQUEST_BYTES) and the
kind of answer (processed by the bot, or the channel's "too long" or "empty" reply). After the whole
corpus the bot must still answer a normal question correctly. A second Rasa server without an action
server checks that "no reply at all" becomes the "briefly unavailable" reply.
"""
from __future__ import annotations

import json
import select
import socket
import time
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.servers

WEBHOOK = "/webhooks/rest/webhook"
HEALTH = "/webhooks/rest/"
JSON = "application/json"
LIMIT = 2000  # settings.max_message_chars (default); checked against the running bot's settings below
MAX_BYTES = 65536  # settings.max_request_bytes (default); likewise


def body(message=None, sender: object = "bad-input", **extra) -> bytes:
    """A JSON body with these values (None becomes null; a missing key needs `raw`)."""
    data = {"sender": sender, "message": message, **extra}
    return json.dumps(data, ensure_ascii=False).encode()


def raw(text: str) -> bytes:
    """A JSON body written by hand, for escapes and shapes json.dumps would not produce."""
    return text.encode()


@dataclass(frozen=True)
class Case:
    """One request of the corpus and what must come back."""

    id: str
    data: bytes | None
    status: int | None = 200  # None: any 2xx or 4xx
    reply: str | None = None  # for a 200 from the webhook: "answer", "too_long" or "empty"
    content_type: str | None = JSON
    method: str = "POST"
    path: str = WEBHOOK
    headers: tuple[tuple[str, str], ...] = ()
    within_seconds: float | None = None


def answered(id: str, data: bytes, **kw) -> Case:  # noqa: A002 - the case id
    return Case(id, data, 200, "answer", **kw)


def refused(id: str, data: bytes | None, status: int = 400, **kw) -> Case:  # noqa: A002
    return Case(id, data, status, None, **kw)


NESTED = "[" * 20000 + "]" * 20000
CASES = [
    # --- sizes -------------------------------------------------------------------------------------
    Case("empty-message", body(""), 200, "empty"),
    answered("one-char", body("?")),
    answered("at-the-limit", body(("leukemia treatment " * 200)[:LIMIT])),
    Case("just-over-the-limit", body("a" * (LIMIT + 1)), 200, "too_long"),
    Case("10-KB-message", body("x" * 10_000), 200, "too_long"),
    Case("150-KB-body", body("y" * 150_000), 413, within_seconds=1.0),
    Case("2-MB-body", body("z" * 2_000_000), 413, within_seconds=5.0),
    Case("body-at-MAX_REQUEST_BYTES", None, 200, "too_long"),  # built in the test from the settings
    Case("body-one-byte-over", None, 413),
    answered("korean-at-the-limit", body("암" * LIMIT)),
    Case("korean-over-the-limit", body("암" * (LIMIT + 1)), 200, "too_long"),
    answered("emoji-at-the-limit", body("😀" * LIMIT)),
    Case("whitespace-only", body("   \n\t  "), 200, "empty"),
    # --- encodings ---------------------------------------------------------------------------------
    refused("invalid-utf8", b'{"sender": "bad-input", "message": "hi \xff\xfe there"}'),
    refused("latin1-not-utf8", b'{"sender": "bad-input", "message": "caf\xe9"}'),
    refused("overlong-utf8", b'{"sender": "bad-input", "message": "\xc0\xaf"}'),
    refused("utf8-encoded-surrogate", b'{"sender": "bad-input", "message": "\xed\xa0\x80"}'),
    refused("utf16-le-with-bom", "\ufeff".encode("utf-16-le") + body("hello").decode().encode("utf-16-le")),
    refused("utf16-be-without-bom", body("hello").decode().encode("utf-16-be")),
    answered("utf8-bom", b"\xef\xbb\xbf" + body("hello")),
    answered("charset-utf8", body("hello"), content_type="application/json; charset=utf-8"),
    refused("charset-utf16", body("hello"), 415, content_type="application/json; charset=utf-16"),
    # --- control characters and NUL ----------------------------------------------------------------
    answered("nul-inside", body("where is\u0000 the clinic?")),
    Case("nul-only", body("\u0000\u0000\u0000"), 200, "empty"),
    answered("c0-controls-and-escape-codes", body("\u0001\u0002hello\u001b[31m red\u0007")),
    Case("del-and-c1-only", body("\u007f\u0085\u009b"), 200, "empty"),
    answered("crlf-and-tabs", body("line one\r\nline two\tand a tab")),
    refused("raw-control-char-in-json-string", b'{"sender": "bad-input", "message": "a\x01b"}'),
    # --- lone surrogates as JSON escapes -----------------------------------------------------------
    Case("lone-high-surrogate-only", raw('{"sender": "bad-input", "message": "\\ud800"}'), 200, "empty"),
    answered("lone-low-surrogate-inside", raw('{"sender": "bad-input", "message": "hi \\udfff there"}')),
    answered("reversed-surrogate-pair", raw('{"sender": "bad-input", "message": "\\ude00\\ud83d hello"}')),
    answered("valid-surrogate-pair", raw('{"sender": "bad-input", "message": "\\ud83d\\ude00 hello"}')),
    refused("lone-surrogate-in-sender", raw('{"sender": "abc\\ud800", "message": "hello"}')),
    # --- many scripts ------------------------------------------------------------------------------
    answered("korean", body("백혈병 치료는 어디서 받을 수 있나요?")),
    answered("korean-decomposed-jamo", body("\u1112\u1161\u11ab\u1100\u116e\u11a8 병원")),
    answered("arabic", body("أين يمكنني علاج سرطان الدم في كوريا؟")),
    answered("chinese", body("我在哪里可以治疗白血病？")),
    answered("cyrillic", body("Где лечат лейкемию у детей?")),
    answered("emoji-only", body("😀🎗️👨‍👩‍👧")),
    answered("combining-marks", body("h\u0338\u0321\u032a\u032fe\u0368\u034al\u033dl\u0305o\u033e\u030e")),
    answered("rtl-marks-and-override", body("\u202eevil\u202c text \u200f\u200e here")),
    answered("zero-width-only", body("\u200b\u200c\u200d\u2060")),
    answered("devanagari-and-thai", body("ल्यूकेमिया का इलाज कहाँ होता है? รักษามะเร็งที่ไหน")),
    # --- JSON types --------------------------------------------------------------------------------
    refused("message-number", body(42)),
    refused("message-list", body(["hello"])),
    refused("message-object", body({"text": "hello"})),
    refused("message-null", body(None)),
    refused("message-bool", body(True)),
    refused("message-missing", raw('{"sender": "bad-input"}')),
    refused("sender-number", body("hello", sender=12345)),
    refused("sender-empty", body("hello", sender="")),
    refused("sender-too-long", body("hello", sender="s" * 129)),
    answered("sender-128-chars", body("hello", sender="s" * 128)),
    answered("sender-all-allowed-characters", body("hello", sender="Az09_.:-x")),
    refused("sender-with-spaces", body("hello", sender="my sender")),
    refused("sender-with-slashes", body("hello", sender="../../etc/passwd")),
    refused("sender-unicode", body("hello", sender="환자-1")),
    refused("sender-null", body("hello", sender=None)),
    refused("sender-missing", raw('{"message": "hello"}')),
    refused("sender-trailing-newline", body("hello", sender="abc\n")),
    refused("metadata-string", body("hello", metadata="en")),
    refused("metadata-list", body("hello", metadata=["en"])),
    refused("metadata-too-deep", body("hello", metadata={"a": [[[[[[[[[1]]]]]]]]]})),
    answered("metadata-object", body("hello", metadata={"lang": "ko"})),
    answered("unknown-fields-and-input-channel", body("hello", input_channel="admin", extra={"x": 1})),
    answered("duplicate-keys", raw('{"sender": "bad-input", "message": 1, "message": "hello"}')),
    # --- bodies ------------------------------------------------------------------------------------
    refused("empty-body", b""),
    refused("whitespace-body", b"  \n "),
    refused("empty-list", b"[]"),
    refused("json-string", b'"hello"'),
    refused("json-null", b"null"),
    refused("json-number", b"42"),
    refused("truncated-json", b'{"sender": "bad-input", "message": "hel'),
    refused("deeply-nested-json", NESTED.encode()),
    Case("deeply-nested-unknown-field", raw('{"sender": "bad-input", "message": "hello", "x": ' + NESTED[:2000]
                                              + NESTED[-2000:] + "}"), None),
    refused("nan-message", raw('{"sender": "bad-input", "message": NaN}')),
    refused("huge-number-message", raw('{"sender": "bad-input", "message": 1e999999}')),
    refused("single-quoted-json", raw("{'sender': 'bad-input', 'message': 'hello'}")),
    # --- content types -----------------------------------------------------------------------------
    refused("text-plain", body("hello"), 415, content_type="text/plain"),
    refused("text-plain-empty", b"", 415, content_type="text/plain;charset=UTF-8"),
    refused("form-encoded", b"sender=bad-input&message=hello", 415,
            content_type="application/x-www-form-urlencoded"),
    refused("missing-content-type", body("hello"), 415, content_type=None),
    refused("multipart", b'--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhello\r\n--b--\r\n', 415,
            content_type="multipart/form-data; boundary=b"),
    refused("xml", b"<message>hello</message>", 415, content_type="application/xml"),
    refused("json-lookalike-type", body("hello"), 415, content_type="application/json-patch+json"),
    # --- methods and paths -------------------------------------------------------------------------
    refused("get-webhook", None, 405, method="GET"),
    refused("put-webhook", body("hello"), 405, method="PUT"),
    refused("delete-webhook", None, 405, method="DELETE"),
    refused("patch-webhook", body("hello"), 405, method="PATCH"),
    Case("options-without-origin", None, None, method="OPTIONS"),
    Case("get-health", None, 200, method="GET", path=HEALTH),
    Case("post-health", body("hello"), None, path=HEALTH),
    answered("stream-parameter-ignored", body("hello"), path=WEBHOOK + "?stream=true"),
    Case("trailing-slash", body("hello"), None, path=WEBHOOK + "/"),
    answered("expect-100-continue", body("hello"), headers=(("Expect", "100-continue"),)),
    refused("unknown-expectation", body("hello"), 417, headers=(("Expect", "coffee"),)),
]


# --- a raw HTTP client: the corpus needs requests that urllib would refuse or rewrite -----------------

@dataclass
class Reply:
    status: int
    body: bytes
    seconds: float


def send(base_url: str, case: Case) -> Reply:
    """Send `case` over one connection and return the final (non-1xx) status and body. For a large body
    the headers go first: a server that refuses by Content-Length may answer before reading the body."""
    parts = urlsplit(base_url)
    data = case.data if case.data is not None else b""
    lines = [f"{case.method} {case.path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    if case.content_type is not None:
        lines.append(f"Content-Type: {case.content_type}")
    lines += [f"{name}: {value}" for name, value in case.headers]
    if case.data is not None or case.method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(data)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        received = b""
        try:
            if len(data) > MAX_BYTES or any(name == "Expect" for name, _ in case.headers):
                sock.sendall(head)
                if select.select([sock], [], [], 0.3)[0]:
                    received = sock.recv(65536)
                if not received or received.startswith(b"HTTP/1.1 100"):  # no early refusal: go on
                    sock.sendall(data)
            else:
                sock.sendall(head + data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking the whole body
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    seconds = time.monotonic() - started
    while received.startswith(b"HTTP/1.1 1"):  # 100 Continue before the final answer
        received = received.split(b"\r\n\r\n", 1)[1]
    assert received.startswith(b"HTTP/1."), f"no HTTP answer to {case.id}: {received[:200]!r}"
    head_bytes, _, payload = received.partition(b"\r\n\r\n")
    return Reply(status=int(head_bytes.split(b" ", 2)[1]), body=payload, seconds=seconds)


def texts_and_metas(payload: bytes) -> tuple[list[str], list[dict]]:
    replies = json.loads(payload)
    assert isinstance(replies, list), replies
    texts = [r["text"] for r in replies if r.get("text")]
    metas = [r["custom"]["meta"] for r in replies if isinstance(r.get("custom"), dict) and "meta" in r["custom"]]
    return texts, metas


def with_size(case: Case, total: int) -> Case:
    """The case with a valid body of exactly `total` bytes."""
    empty = len(body(""))
    return replace(case, data=body("m" * (total - empty)))


# --- the tests -------------------------------------------------------------------------------------

def test_the_corpus_is_large_and_the_limits_are_the_defaults(running_bot):
    assert len(CASES) >= 60 and len({case.id for case in CASES}) == len(CASES)
    assert running_bot.settings.max_message_chars == LIMIT
    assert running_bot.settings.max_request_bytes == MAX_BYTES


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(running_bot, case):
    if case.id == "body-at-MAX_REQUEST_BYTES":
        case = with_size(case, MAX_BYTES)
    elif case.id == "body-one-byte-over":
        case = with_size(case, MAX_BYTES + 1)
    reply = send(running_bot.rasa_url, case)
    assert reply.status < 500, f"{case.id}: server error {reply.status}: {reply.body[:300]!r}"
    assert 200 <= reply.status < 500
    if case.status is not None:
        assert reply.status == case.status, f"{case.id}: {reply.status} {reply.body[:300]!r}"
    if case.within_seconds is not None:
        assert reply.seconds < case.within_seconds, f"{case.id} took {reply.seconds:.2f} s"
    # 413 may also come from Sanic itself (SANIC_REQUEST_MAX_SIZE), in its own format
    if case.path == WEBHOOK and reply.status in {400, 415}:
        error = json.loads(reply.body)
        assert set(error) == {"error", "detail"} and len(error["detail"]) < 200, error
    if case.reply is None:
        return
    texts, metas = texts_and_metas(reply.body)
    if case.reply == "answer":
        assert texts, f"{case.id}: the bot gave no text"
        assert not any(meta.get("unavailable") or meta.get("rejected") for meta in metas), (case.id, metas)
    elif case.reply == "too_long":
        assert len(texts) == 1 and f"{LIMIT:,} characters" in texts[0] and "shorter" in texts[0], texts
        assert metas == [{"rejected": "too_long", "max_message_chars": LIMIT}]
    else:
        assert len(texts) == 1 and "empty" in texts[0], texts
        assert metas == [{"rejected": "empty"}]


def test_the_bot_still_answers_correctly_after_the_corpus(running_bot):
    replies = running_bot.send(f"after-corpus-{uuid.uuid4()}", "how many stem cell transplants have they done?")
    text = "\n".join(reply["text"] for reply in replies if reply.get("text"))
    assert "3,200" in text and "000_3640c03fd6599930.txt" in text, text


@pytest.fixture(scope="module")
def bot_without_actions(running_bot, tmp_path_factory):
    """A second Rasa server on the same database, whose action server is not running."""
    from stack.processes import rasa_server, service_environment

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    settings = replace(running_bot.settings, rasa_port=free_port(), action_port=free_port())
    service = rasa_server(settings, service_environment(settings), log_dir=tmp_path_factory.mktemp("no-actions"),
                          name="Rasa server without actions")
    service.start()
    try:
        service.wait_ready()
        yield settings.rasa_url
    finally:
        service.stop()


def test_no_reply_at_all_becomes_the_unavailable_reply(bot_without_actions):
    message = body("how many stem cell transplants have they done?", sender=f"no-actions-{uuid.uuid4()}")
    reply = send(bot_without_actions, Case("no-actions", message))
    assert reply.status == 200
    texts, metas = texts_and_metas(reply.body)
    assert len(texts) == 1 and "briefly unavailable" in texts[0] and "not lost" in texts[0], texts
    assert metas == [{"unavailable": True}]
