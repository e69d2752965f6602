"""Unit tests of the strict REST input channel (server/channel.py): the request checks and the cleaning as
pure functions, the answers with a fake Rasa, and the blueprint over HTTP in a Sanic app of our own (with
Rasa's CORS set-up), without a model or an action server."""
from __future__ import annotations

import asyncio
import json
import socket
import uuid
from pathlib import Path

import pytest
import yaml

from server.channel import (
    EMPTY_REPLY,
    ERROR_DETAILS,
    UNAVAILABLE_REPLY,
    Incoming,
    Refusal,
    StrictRestInput,
    clean_text,
    is_json_content_type,
    parse_request,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LIMIT = 2000
MAX_BYTES = 65536


def parse(body, content_type: str = "application/json") -> Incoming | Refusal:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_request(content_type, raw, MAX_BYTES)


# --- cleaning --------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    ("hello", "hello"),
    ("a\x00b", "ab"),                                  # NUL
    ("line one\r\nline two\tend", "line one\nline two\tend"),  # CR removed, newline and tab kept
    ("bell\x07 esc\x1b del\x7f c1\x85", "bell esc del c1"),
    ("x\ud800y\udfffz", "xyz"),                        # lone surrogates
    ("\u1112\u1161\u11ab", "\ud55c"),                  # decomposed Korean jamo -> 한 (NFC)
    ("cafe\u0301", "caf\u00e9"),                       # combining accent -> é
    ("\u200fمرحبا\u200e", "\u200fمرحبا\u200e"),        # right-to-left and left-to-right marks kept
    ("😀 👨‍👩‍👧", "😀 👨‍👩‍👧"),                           # emoji and zero-width joiners kept
])
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


# --- request checks --------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type, accepted", [
    ("application/json", True),
    ("Application/JSON; charset=UTF-8", True),
    ('application/json; charset="utf8"', True),
    ("application/json; charset=utf-16", False),
    ("text/plain", False),
    ("text/plain; charset=utf-8", False),
    ("application/x-www-form-urlencoded", False),
    ("multipart/form-data; boundary=x", False),
    ("application/jsonp", False),
    ("", False),
    (None, False),
])
def test_only_json_content_types_are_accepted(content_type, accepted):
    assert is_json_content_type(content_type) is accepted


WELL_FORMED_SENDERS = [
    str(uuid.uuid4()),                 # the widget: crypto.randomUUID()
    f"test-{uuid.uuid4()}",            # tests/integration/test_bot_over_rest.py
    f"form-{uuid.uuid4()}",            # tests/integration/test_referral_over_rest.py
    "cors-check",                      # tests/browser/test_widget.py
    f"eval-{uuid.uuid4().hex[:8]}-12",  # evaluation/common.py
    f"bench-{uuid.uuid4().hex[:8]}-50-7",  # evaluation/loadclient.py
    "a", "A.b_c:d-9", "x" * 128,
]


@pytest.mark.parametrize("sender", WELL_FORMED_SENDERS)
def test_the_senders_the_project_uses_are_accepted_as_they_are(sender):
    parsed = parse({"sender": sender, "message": "hello"})
    assert isinstance(parsed, Incoming) and parsed.sender == sender


@pytest.mark.parametrize("body, status, error", [
    (b"", 400, "empty_body"),
    (b"   \n", 400, "empty_body"),
    (b"\xff\xfe{\x00}\x00", 400, "invalid_utf8"),
    (b'{"sender": "a", "message": "caf\xe9"}', 400, "invalid_utf8"),   # Latin-1, not UTF-8
    (b'{"sender": "a", "message": "hi"', 400, "invalid_json"),
    (b"[" * 30000 + b"]" * 30000, 400, "invalid_json"),                 # nesting beyond the parser
    ([], 400, "not_an_object"),
    ("hello", 400, "not_an_object"),
    (None, 400, "not_an_object"),
    ({"sender": "a"}, 400, "missing_message"),
    ({"sender": "a", "message": None}, 400, "invalid_message"),
    ({"sender": "a", "message": 12}, 400, "invalid_message"),
    ({"sender": "a", "message": ["hi"]}, 400, "invalid_message"),
    ({"sender": "a", "message": {"text": "hi"}}, 400, "invalid_message"),
    ({"sender": "a", "message": True}, 400, "invalid_message"),
    ({"message": "hi"}, 400, "missing_sender"),
    ({"sender": None, "message": "hi"}, 400, "invalid_sender"),
    ({"sender": 42, "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "", "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "x" * 129, "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "two words", "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "../../etc", "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "abc\n", "message": "hi"}, 400, "invalid_sender"),     # fullmatch: no trailing newline
    ({"sender": "환자", "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "a\ud800", "message": "hi"}, 400, "invalid_sender"),
    ({"sender": "a", "message": "hi", "metadata": "en"}, 400, "invalid_metadata"),
    ({"sender": "a", "message": "hi", "metadata": None}, 400, "invalid_metadata"),
    ({"sender": "a", "message": "hi", "metadata": [1]}, 400, "invalid_metadata"),
    ({"sender": "a", "message": "hi", "metadata": {"a": [[[[[[[[[1]]]]]]]]]}}, 400, "invalid_metadata"),
], ids=lambda value: repr(value)[:40] if isinstance(value, (bytes, str, list, dict, type(None))) else None)
def test_malformed_requests_are_refused_with_a_short_reason(body, status, error):
    parsed = parse(body)
    assert parsed == Refusal(status, error)
    assert ERROR_DETAILS[error]


def test_content_type_and_size_are_checked_before_the_body():
    body = json.dumps({"sender": "a", "message": "hi"}).encode()
    assert parse_request("text/plain", body, MAX_BYTES) == Refusal(415, "unsupported_media_type")
    assert parse_request("application/json", body, len(body) - 1) == Refusal(413, "too_large")
    assert isinstance(parse_request("application/json", body, len(body)), Incoming)


def test_a_utf8_byte_order_mark_is_accepted_and_the_text_is_cleaned():
    parsed = parse(b"\xef\xbb\xbf" + json.dumps({"sender": "s-1", "message": "hi\\u0000 \\ud83d there",
                                                  "metadata": {"lang": "ko"}}).encode().replace(b"\\\\", b"\\"))
    assert parsed == Incoming(sender="s-1", raw_text="hi\x00 \ud83d there", text="hi  there",
                              metadata={"lang": "ko"})


# --- answers ---------------------------------------------------------------------------------------

class FakeRasa:
    """Stands in for Rasa's message handler: records messages and sends the given replies."""

    def __init__(self, replies: list[str] | None = None, error: Exception | None = None) -> None:
        self.replies = replies or []
        self.error = error
        self.messages = []

    async def __call__(self, message) -> None:
        self.messages.append(message)
        for text in self.replies:
            await message.output_channel.send_text_message(message.sender_id, text)
        if self.error:
            raise self.error


def answer(rasa: FakeRasa, message: str, sender: str = "patient-1", metadata=None) -> list[dict]:
    channel = StrictRestInput(max_message_chars=LIMIT, max_request_bytes=MAX_BYTES)
    incoming = Incoming(sender=sender, raw_text=message, text=clean_text(message), metadata=metadata)
    return asyncio.run(channel.answer(incoming, rasa))


def texts(replies: list[dict]) -> list[str]:
    return [reply["text"] for reply in replies if "text" in reply]


def test_a_message_reaches_rasa_cleaned_with_the_sender_unchanged():
    rasa = FakeRasa(replies=["Hello."])
    replies = answer(rasa, "Hello\x00 \u1112\u1161\u11ab", sender="Mixed.Case:ID-1", metadata={"lang": "ko"})
    assert replies == [{"recipient_id": "Mixed.Case:ID-1", "text": "Hello."}]
    [message] = rasa.messages
    assert message.text == "Hello \ud55c" and message.sender_id == "Mixed.Case:ID-1"
    assert message.input_channel == "rest" and message.metadata == {"lang": "ko"}


def test_a_message_at_the_limit_is_processed_and_one_over_it_is_not():
    rasa = FakeRasa(replies=["ok"])
    assert texts(answer(rasa, "a" * LIMIT)) == ["ok"]
    replies = answer(rasa, "a" * (LIMIT + 1))
    assert len(rasa.messages) == 1, "the over-long message never reached Rasa"
    [text] = texts(replies)
    assert "2,000 characters" in text and "2,001" in text and "shorter" in text and "split" in text
    assert replies[-1]["custom"]["meta"] == {"rejected": "too_long", "max_message_chars": LIMIT}


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01", "\ud800", "\r\n\t "])
def test_a_message_empty_after_cleaning_gets_a_polite_reply_and_no_processing(message):
    rasa = FakeRasa(replies=["never"])
    replies = answer(rasa, message)
    assert rasa.messages == []
    assert texts(replies) == [EMPTY_REPLY]
    assert replies[-1]["custom"]["meta"] == {"rejected": "empty"}


@pytest.mark.parametrize("error", [None, RuntimeError("action server down"), asyncio.CancelledError()])
def test_no_reply_from_rasa_becomes_the_unavailable_reply(error):
    replies = answer(FakeRasa(error=error), "how many transplants?", sender="s-9")
    assert replies == [{"recipient_id": "s-9", "text": UNAVAILABLE_REPLY},
                       {"recipient_id": "s-9", "custom": {"meta": {"unavailable": True}}}]
    assert "not lost" in UNAVAILABLE_REPLY and "again" in UNAVAILABLE_REPLY


def test_replies_that_rasa_did_give_are_kept_even_if_it_then_failed():
    assert texts(answer(FakeRasa(replies=["part"], error=RuntimeError("x")), "hi")) == ["part"]


# --- registration and HTTP -------------------------------------------------------------------------

def test_credentials_register_the_strict_channel_under_the_rest_url():
    from rasa.core.run import _create_single_channel

    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert list(credentials) == ["server.channel.StrictRestInput"], "the built-in `rest:` must not be listed"
    channel = _create_single_channel("server.channel.StrictRestInput", credentials["server.channel.StrictRestInput"])
    assert isinstance(channel, StrictRestInput) and channel.url_prefix() == "rest"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_blueprint_over_http_with_cors():
    """The webhook, health and readiness routes in a Sanic app configured with Rasa's own CORS set-up."""
    import aiohttp
    from rasa.server import configure_cors
    from sanic import Sanic

    origin = "http://site.example"
    rasa = FakeRasa(replies=["echo"])
    readiness: list[int] = []

    class ReadyAgent:
        def __init__(self, ready: bool) -> None:
            self.ready = ready

        def is_ready(self) -> bool:
            return self.ready

    async def scenario() -> list:
        app = Sanic(f"channel_test_{uuid.uuid4().hex[:8]}")
        configure_cors(app, [origin])
        app.blueprint(StrictRestInput(LIMIT, 200).blueprint(rasa), url_prefix="/webhooks/rest")
        port = _free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                         access_log=False)
        await server.startup()
        await server.before_start()  # sanic-cors sets itself up here
        await server.after_start()
        url = f"http://127.0.0.1:{port}/webhooks/rest"
        results = []
        try:
            async with aiohttp.ClientSession() as session:
                for content_type, body, path in [
                    ("application/json", b'{"sender": "a", "message": "hi"}', "/webhook?stream=true"),
                    ("text/plain", b'{"sender": "a", "message": "hi"}', "/webhook"),
                    ("application/json", b'{"sender": "a b", "message": "hi"}', "/webhook"),
                    ("application/json", b'{"sender": "a", "message": "' + b"x" * 300 + b'"}', "/webhook"),
                ]:
                    async with session.post(url + path, data=body, headers={
                            "Content-Type": content_type, "Origin": origin}) as reply:
                        results.append((reply.status, reply.headers.get("Access-Control-Allow-Origin"),
                                        await reply.json(content_type=None)))
                async with session.get(url + "/") as reply:
                    results.append((reply.status, None, await reply.json()))
                # readiness: no agent, an agent whose model failed to load, a loaded one
                for agent in (None, ReadyAgent(False), ReadyAgent(True)):
                    app.ctx.agent = agent
                    async with session.get(url + "/ready") as reply:
                        readiness.append(reply.status)
        finally:
            await server.close()
        return results

    answered, plain, bad_sender, too_large, health = asyncio.run(scenario())
    assert answered == (200, origin, [{"recipient_id": "a", "text": "echo"}]), "stream is ignored: one JSON list"
    assert plain[:2] == (415, origin) and plain[2]["error"] == "unsupported_media_type"
    assert bad_sender[:2] == (400, origin) and bad_sender[2]["error"] == "invalid_sender"
    assert too_large[:2] == (413, origin) and too_large[2]["error"] == "too_large"
    assert health == (200, None, {"status": "ok"})
    assert readiness == [503, 503, 200], "ready only while a model is loaded"
    assert [m.text for m in rasa.messages] == ["hi"], "only the well-formed request reached Rasa"

