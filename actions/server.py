"""The action server: rasa_sdk's action executor behind a small Sanic app of our own.

    python -m actions.server [--host BIND_HOST] [--port ACTION_PORT] [--actions actions]

Why not `rasa run actions`: it listens on every interface, lets anyone who reaches it run any action
with a forged tracker, and answers a crashing action with a 500 that echoes the whole request (the
tracker, with names, emails and diagnoses), which the Rasa server then logs. Here:

- `GET /health` is open; `POST /webhook` and `GET /actions` need the shared secret
  (`ACTION_SERVER_TOKEN`) in the `X-Action-Token` header, checked before the body is read (401 without);
- a malformed call is refused with 400 and a fixed message (nothing of the body is echoed);
- an action that raises (other than `ActionExecutionRejection`, which forms use to hand a turn back to
  the policies) is logged with its name, the exception type and where it was raised, never the message
  or the tracker, and answered 200 with an apology and no events, so Rasa carries on and logs nothing;
- bodies above `--max-body-bytes` (10 MB: trackers of long conversations are large) get 413, also when
  they arrive deflate-compressed.
"""
from __future__ import annotations

import argparse
import hmac
import json
import logging
import sys
import traceback
import zlib
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.conversation_language import run_in_conversation_language
from actions.warm_up import WARM_UP_TURNS, WarmUpTurn, warm_up

TOKEN_HEADER = "X-Action-Token"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
APOLOGY = "I'm sorry, something went wrong on my side. Please try again, or ask for a coordinator."
PROJECT_ROOT = Path(__file__).resolve().parent.parent

logger = logging.getLogger("actions.server")


class MalformedCall(ValueError):
    """The request is not an action call Rasa would send; the reason never quotes the body."""


def decode_call(body: bytes, content_encoding: str | None, max_bytes: int) -> dict[str, Any]:
    """The action call in a request body (JSON, optionally deflate-compressed as Rasa can send it)."""
    if (content_encoding or "").strip().lower() == "deflate":
        inflater = zlib.decompressobj()
        try:
            # a small compressed body may inflate to gigabytes: stop one byte past the limit
            body = inflater.decompress(body, max_bytes + 1)
        except zlib.error as error:
            raise MalformedCall("the body is not valid deflate data") from error
        if len(body) > max_bytes or inflater.unconsumed_tail:
            raise PayloadTooLarge("the inflated body is too large")
    try:
        call = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedCall("the body is not JSON") from error
    if not isinstance(call, dict):
        raise MalformedCall("the body is not a JSON object")
    if not isinstance(call.get("next_action"), str) or not call["next_action"]:
        raise MalformedCall("next_action is missing")
    if not isinstance(call.get("tracker"), dict) or not isinstance(call["tracker"].get("sender_id"), str):
        raise MalformedCall("tracker is missing or has no sender_id")
    if not isinstance(call.get("domain", {}), dict):
        raise MalformedCall("domain is not an object")
    return call


def where_raised(error: BaseException) -> str:
    """File and line of the innermost frame in the project's own code (else the innermost frame):
    enough to find the bug, and free of the exception's message and of any data."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename.startswith(str(PROJECT_ROOT))
            and "/.venv/" not in frame.filename]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "unknown place"
    try:
        filename = str(Path(frame.filename).relative_to(PROJECT_ROOT))
    except ValueError:
        filename = Path(frame.filename).name
    return f"{filename}:{frame.lineno} in {frame.name}"


def apology() -> dict[str, Any]:
    """The answer to a failed action: a polite message, no events (the conversation stays as it was),
    and a machine-readable meta after it, as the bot's other answers carry (the widget ignores it)."""
    return {"events": [], "responses": [{"text": APOLOGY}, {"custom": {"meta": {"action_failed": True}}}]}


def error_body(status: int, message: str, **extra: Any) -> HTTPResponse:
    return response.json({"error": message, **extra}, status=status)


def create_app(token: str, action_package: str = "actions", max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               name: str = "carebot_actions", warm_up_turns: tuple[WarmUpTurn, ...] = WARM_UP_TURNS) -> Sanic:
    """The Sanic app serving the actions of `action_package`, for callers that send `token`; it plays
    `warm_up_turns` before it listens (actions/warm_up.py), so `/health` answers once it is warm."""
    if not token:
        raise ValueError("the action server needs a non-empty token")
    expected = token.encode()
    app = Sanic(name, configure_logging=False)
    # Sanic reads SANIC_* variables of the environment; this limit is the action server's own.
    app.config.REQUEST_MAX_SIZE = max_body_bytes
    executor = ActionExecutor()
    executor.register_package(action_package)

    @app.listener("before_server_start")
    async def warm(*_: Any) -> None:
        await warm_up(executor, warm_up_turns)

    def authorized(request: Request) -> bool:
        given = (request.headers.get(TOKEN_HEADER) or "").encode()
        return hmac.compare_digest(given, expected)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/actions")
    async def actions(request: Request) -> HTTPResponse:
        if not authorized(request):
            return error_body(401, "unauthorized")
        return response.json([{"name": action_name} for action_name in executor.actions])

    # stream=True: the token is checked from the headers before a byte of the body is read
    @app.post("/webhook", stream=True)
    async def webhook(request: Request) -> HTTPResponse:
        if not authorized(request):
            return error_body(401, "unauthorized")
        declared = request.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdecimal() and int(declared) > max_body_bytes:
            raise PayloadTooLarge("the declared body is too large")  # answered before reading it
        # Sanic lifts the size limit for streaming handlers: put ours back before reading
        request.stream.request_max_size = max_body_bytes
        await request.receive_body()
        try:
            call = decode_call(request.body, request.headers.get("Content-Encoding"), max_body_bytes)
        except MalformedCall as error:
            return error_body(400, f"malformed action call: {error}")
        action_name = call["next_action"]
        action = executor.actions.get(action_name)
        if action is None:
            logger.warning("call for an unknown action %r", action_name[:100])
            return error_body(404, "unknown action", action_name=action_name[:100])
        try:
            tracker = Tracker.from_dict(call["tracker"])
        except Exception:  # noqa: BLE001 - any failure to read the tracker means a malformed call
            return error_body(400, "malformed action call: the tracker cannot be read")
        dispatcher = CollectingDispatcher()
        try:
            events = await run_in_conversation_language(action, dispatcher, tracker, call.get("domain") or {})
            result = {"events": executor.validate_events(events or [], action_name),
                      "responses": dispatcher.messages}
            body = json.dumps(result)
        except ActionExecutionRejection as rejection:
            # a form handing the turn back to the policies: Rasa expects 400 with the action's name
            return error_body(400, rejection.message, action_name=rejection.action_name)
        except Exception as error:  # noqa: BLE001 - whatever an action does, the patient gets an answer
            logger.error("action %s failed with %s at %s", action_name, type(error).__name__, where_raised(error))
            return response.json(apology())
        return response.raw(body.encode(), content_type="application/json")

    @app.exception(Exception)
    async def any_error(_: Request, error: Exception) -> HTTPResponse:
        # Never Sanic's or rasa_sdk's default, which can repeat the request: a status and a fixed text.
        if isinstance(error, SanicException):
            status = getattr(error, "status_code", 500) or 500
            return error_body(status, {401: "unauthorized", 404: "not found", 405: "method not allowed",
                                       413: "request too large"}.get(status, "request refused"))
        logger.error("request failed with %s at %s", type(error).__name__, where_raised(error))
        return error_body(500, "internal error")

    return app


def configure_logging() -> None:
    """The project's redacting logging (settings/logging.py) on standard error, which the stack's log
    writer puts into var/log/actions.log."""
    try:
        from settings.logging import configure
    except ImportError:  # a checkout without it: plain lines
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    else:
        configure()
    # rasa_sdk logs every registered action at INFO; one line per action at each start is noise
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    from settings import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(description="The bot's action server (authenticated).")
    parser.add_argument("--host", default=settings.bind_host, help="address to listen on (default: BIND_HOST)")
    parser.add_argument("--port", type=int, default=settings.action_port, help="default: ACTION_PORT")
    parser.add_argument("--actions", default="actions", help="package or module of the actions")
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    # `make bench --sanic-workers N` measures whether several help (figures in evaluation/README.md)
    parser.add_argument("--workers", type=int, default=1, help="Sanic worker processes (default 1)")
    args = parser.parse_args(argv)
    if not settings.action_server_token:
        print("ACTION_SERVER_TOKEN is empty: the action server refuses to run without it. `python -m stack run` "
              "makes one for each start; set the same value for the Rasa server and this process otherwise.",
              file=sys.stderr)
        return 2
    configure_logging()
    app = create_app(settings.action_server_token, args.actions, args.max_body_bytes)
    logger.info("action server listening on %s:%s", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=max(1, args.workers), access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
