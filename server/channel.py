"""The strict REST input channel: Rasa's REST protocol, with every request checked before it reaches NLU.

Registered in credentials.yml by its class path (`server.channel.StrictRestInput`) instead of the built-in
`rest:`. Its name is still "rest", so the widget keeps posting to `POST /webhooks/rest/webhook` and the
health check stays `GET /webhooks/rest/`; `GET /webhooks/rest/ready` answers 200 only once a model is
loaded (503 before, or when it failed to load), for the supervisor's and `make health`'s checks. CORS is the Rasa server's (`rasa run --cors <origins>`), which
applies to every route of the app, this one included.

What it answers:

- 415 for a content type other than `application/json` (a `text/plain` or form POST, which a browser sends
  cross-origin without a preflight, is never processed);
- 413 for a body above `settings.max_request_bytes` (Sanic refuses those earlier when the Rasa server runs
  with `SANIC_REQUEST_MAX_SIZE`; this check holds without it);
- 400 with `{"error": <code>, "detail": <text>}` for a body that is not a JSON object in UTF-8 with a string
  `message`, a well-formed `sender` and, if given, an object `metadata`;
- 200 with one polite reply, and nothing sent to NLU, for a message longer than `settings.max_message_chars`
  or empty once cleaned;
- otherwise Rasa's replies to the cleaned text, or, when Rasa produced none at all (the action server is
  down, the tracker store failed), one reply saying the assistant is briefly unavailable plus the custom
  payload `{"meta": {"unavailable": true}}` that the widget recognises.

Streaming (`?stream=true`) is not offered: the parameter is ignored and the answer is one JSON list.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# --- what the patient reads: every sentence this channel says in the chat ---------------------------
TOO_LONG_REPLY = (
    "Sorry, your message is too long for me: I can read up to {limit:,} characters at a time, and it has "
    "{length:,}. Please send a shorter message, or split it into several messages."
)
EMPTY_REPLY = "Your message seems to be empty. Please type your question and send it again."
UNAVAILABLE_REPLY = (
    "Sorry, the assistant is briefly unavailable. Your message was not lost: please send it again in a "
    "moment."
)

# --- what a client's developer reads in a 4xx answer ------------------------------------------------
SENDER_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
SENDER_RULE = "1 to 128 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'"
# metadata is stored with every user event; deep nesting would only make the tracker store recurse
MAX_METADATA_DEPTH = 8
ERROR_DETAILS = {
    "unsupported_media_type": "send the body as application/json in UTF-8",
    "too_large": "the request body is larger than the server accepts",
    "empty_body": "the request body is empty",
    "invalid_utf8": "the request body is not valid UTF-8",
    "invalid_json": "the request body is not valid JSON",
    "not_an_object": "the request body must be a JSON object",
    "missing_message": "'message' is missing",
    "invalid_message": "'message' must be a string",
    "missing_sender": "'sender' is missing",
    "invalid_sender": f"'sender' must be a string of {SENDER_RULE}",
    "invalid_metadata": f"'metadata' must be a JSON object nested at most {MAX_METADATA_DEPTH} levels",
}
UTF8_BOM = b"\xef\xbb\xbf"
# Cc (control) and Cs (lone surrogates, which JSON escapes like "\ud800" produce and no database stores)
REMOVED_CATEGORIES = {"Cc", "Cs"}
KEPT_CONTROLS = {"\n", "\t"}


@dataclass(frozen=True)
class Refusal:
    """A request refused before Rasa sees it: the HTTP status and a short machine-readable code."""

    status: int
    error: str

    def as_response(self) -> HTTPResponse:
        """The JSON answer for this refusal."""
        return response.json({"error": self.error, "detail": ERROR_DETAILS[self.error]}, status=self.status)


@dataclass(frozen=True)
class Incoming:
    """A well-formed request: the sender exactly as received, the message as received and cleaned."""

    sender: str
    raw_text: str
    text: str
    metadata: dict[str, Any] | None


def clean_text(text: str) -> str:
    """The message as NLU should see it: control characters other than newline and tab removed (NUL
    included), lone surrogates removed, then Unicode NFC (so composed and decomposed Korean or accented
    letters read the same). Format characters such as right-to-left marks are kept."""
    kept = "".join(
        char for char in text
        if char in KEPT_CONTROLS or unicodedata.category(char) not in REMOVED_CATEGORIES
    )
    return unicodedata.normalize("NFC", kept)


def is_json_content_type(content_type: str | None) -> bool:
    """True for `application/json`, with no charset or a UTF-8 one (JSON is UTF-8, RFC 8259)."""
    media_type, _, parameters = (content_type or "").partition(";")
    if media_type.strip().lower() != "application/json":
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in {"utf-8", "utf8"}:
            return False
    return True


def _depth(value: Any) -> int:
    """How deeply `value` nests objects and lists (a scalar is 0)."""
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def parse_request(content_type: str | None, body: bytes, max_request_bytes: int) -> Incoming | Refusal:
    """Check one webhook request; return what Rasa should receive, or why it is refused."""
    if not is_json_content_type(content_type):
        return Refusal(415, "unsupported_media_type")
    if len(body) > max_request_bytes:
        return Refusal(413, "too_large")
    if not body.strip():
        return Refusal(400, "empty_body")
    # RFC 8259 lets a parser ignore a UTF-8 byte order mark; some Windows tools add one
    if body.startswith(UTF8_BOM):
        body = body[len(UTF8_BOM):]
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "invalid_utf8")
    try:
        data = json.loads(decoded)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        return Refusal(400, "invalid_json")
    if not isinstance(data, dict):
        return Refusal(400, "not_an_object")
    if "message" not in data:
        return Refusal(400, "missing_message")
    if not isinstance(data["message"], str):
        return Refusal(400, "invalid_message")
    if "sender" not in data:
        return Refusal(400, "missing_sender")
    sender = data["sender"]
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        return Refusal(400, "invalid_sender")
    metadata = data.get("metadata")
    if "metadata" in data and (not isinstance(metadata, dict) or _depth(metadata) > MAX_METADATA_DEPTH):
        return Refusal(400, "invalid_metadata")
    return Incoming(sender=sender, raw_text=data["message"], text=clean_text(data["message"]), metadata=metadata)


def bot_replies(sender: str, text: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """One reply from the channel itself, in Rasa's REST format, with its machine-readable meta after it
    (as the bot's own answers carry one)."""
    return [{"recipient_id": sender, "text": text}, {"recipient_id": sender, "custom": {"meta": meta}}]


def unavailable_replies(sender: str) -> list[dict[str, Any]]:
    """What the patient gets when Rasa produced no reply at all."""
    return bot_replies(sender, UNAVAILABLE_REPLY, {"unavailable": True})


class StrictRestInput(RestInput):
    """Rasa's REST channel with strict request checks, message limits and an answer when Rasa gives none."""

    def __init__(self, max_message_chars: int | None = None, max_request_bytes: int | None = None) -> None:
        if max_message_chars is None or max_request_bytes is None:
            from settings import load_settings  # the Rasa server's environment, read once at start-up

            settings = load_settings()
            max_message_chars = max_message_chars or settings.max_message_chars
            max_request_bytes = max_request_bytes or settings.max_request_bytes
        self.max_message_chars = max_message_chars
        self.max_request_bytes = max_request_bytes

    @classmethod
    def name(cls) -> str:
        """"rest", so the URL is still /webhooks/rest/webhook."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "StrictRestInput":
        """The limits come from the settings (MAX_MESSAGE_CHARS, MAX_REQUEST_BYTES), not credentials.yml."""
        return cls()

    async def answer(self, request: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                     ) -> list[dict[str, Any]]:
        """The replies to a well-formed request: the limits' own replies, Rasa's, or the unavailable one."""
        if len(request.raw_text) > self.max_message_chars:
            logger.info("rest channel: message over the limit (%d characters), not sent to NLU",
                        len(request.raw_text))
            text = TOO_LONG_REPLY.format(limit=self.max_message_chars, length=len(request.raw_text))
            return bot_replies(request.sender, text,
                               {"rejected": "too_long", "max_message_chars": self.max_message_chars})
        if not request.text.strip():
            return bot_replies(request.sender, EMPTY_REPLY, {"rejected": "empty"})
        collector = CollectingOutputChannel()
        message = UserMessage(request.text, collector, request.sender, input_channel=self.name(),
                              metadata=request.metadata)
        # only the exception's type is logged: its text could quote the patient's message
        try:
            await on_new_message(message)
        except asyncio.CancelledError:
            logger.error("rest channel: processing the message was cancelled (timeout)")
        except Exception as error:  # noqa: BLE001 - whatever failed, the patient gets an answer
            logger.error("rest channel: processing the message failed: %s", type(error).__name__)
        if not collector.messages:
            logger.warning("rest channel: Rasa produced no reply; answered that the assistant is unavailable")
            return unavailable_replies(request.sender)
        return collector.messages

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health check, the readiness check (a model is loaded) and the webhook."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            # Rasa's root route and `/` above answer as soon as the server listens, also when its
            # model failed to load; the supervisor and `make health` ask here instead.
            agent = getattr(request.app.ctx, "agent", None)
            if agent is not None and agent.is_ready():
                return response.json({"status": "ready"})
            return response.json({"status": "no model loaded"}, status=503)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            parsed = parse_request(request.headers.get("content-type"), request.body or b"",
                                   self.max_request_bytes)
            if isinstance(parsed, Refusal):
                logger.debug("rest channel: refused a request (%d %s)", parsed.status, parsed.error)
                return parsed.as_response()
            return response.json(await self.answer(parsed, on_new_message))

        return webhook
