"""Logs without personal data, rotated daily and kept LOG_RETENTION_DAYS days.

Two layers, because no single one sees everything a process writes:

- inside each process, a redacting `logging.Filter` (and the same redaction in a log-record factory, so
  handlers that libraries add later, such as Rasa's coloured console handler, get clean records too):
  emails, phone numbers and long digit runs are masked, an inquiry reference next to a contact is
  masked, and arguments or `extra` values that are trackers, events or message dicts are dropped.
  Rasa's structured (JSON) log lines lose the keys that hold user text. Rasa's server reads
  `settings/logging.yml` (`--logging-config-file`); our own processes call `configure()`;
- around each process, `python -m settings.logging --log-file FILE -- COMMAND...` runs the command with
  its standard output and error piped through the same redaction (prints, tracebacks and native
  libraries' output included) into FILE, rotated at midnight; rotated files older than the retention
  are deleted. One writer per file, so several workers or a restart never race over a rotation.

Redaction cannot recognise a name or a diagnosis in free text: code must never log user text (log ids
and exception types); the log audit test (tests/privacy/test_logs.py) checks that it does not.
"""
from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REMOVED = "[removed]"
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# a phone number or any run of 7+ digits, optionally with +, spaces, dots, dashes, slashes, brackets
PHONE_OR_NUMBER = re.compile(r"(?<![\w.+])\+?\(?\d(?:[ \t().\-/]{0,2}\d){6,}(?![\w])")
# spans that look like numbers but are not personal, protected from the rule above
PROTECTED = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # uuid
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?"  # ISO date and time
    r"|(?<!\d)\d{8}-\d{6}(?!\d)"  # compact date-time, as in Rasa's model file names
    r"|(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\d.])"  # IPv4 address (and port)
    r"|(?<![\d.])\d+\.\d+(?![\d.])"  # a decimal number (timestamps, confidences, durations)
)
REFERENCE = re.compile(r"\bKR-?[0-9A-Za-z]{10}\b", re.IGNORECASE)
# keys whose values are user text or conversation state (Rasa's anonymisable keys and ours)
SENSITIVE_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "tracker", "events", "latest_message", "slots", "request_body", "body", "value",
    "parse_data", "entities", "metadata",
})
# a serialised tracker or request body inside a line of text (a traceback's exception message, a repr)
STRUCTURE_MARKER = re.compile(r"""["'](?:events|latest_message|request_body|slots|tracker|parse_data)["']\s*:""")
SENSITIVE_TYPES = frozenset({"DialogueStateTracker", "Tracker", "Message", "UserMessage", "UserUttered",
                             "BotUttered", "SlotSet", "TrainingData"})
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact_text(text: str, cut_structures: bool = True) -> str:
    """`text` with emails, phone numbers and long digit runs masked; a reference is masked too when a
    contact was found beside it (together they open the inquiry); a serialised tracker, request body
    or message is cut off at its opening brace."""
    if cut_structures:
        lines = []
        for line in text.split("\n"):
            marker = STRUCTURE_MARKER.search(line)
            if marker:
                start = line.rfind("{", 0, marker.start())
                line = line[:start if start >= 0 else marker.start()] + "{" + REMOVED + "}"
            lines.append(line)
        text = "\n".join(lines)
    text, emails = EMAIL.subn("[email]", text)
    parts, numbers, position = [], 0, 0
    for protected in PROTECTED.finditer(text):
        masked, count = PHONE_OR_NUMBER.subn("[number]", text[position:protected.start()])
        parts += [masked, protected.group(0)]
        numbers += count
        position = protected.end()
    masked, count = PHONE_OR_NUMBER.subn("[number]", text[position:])
    text = "".join(parts) + masked
    if emails or numbers + count:
        text = REFERENCE.sub("[reference]", text)
    return text


def redact_json_line(line: str) -> str | None:
    """A structured log line (Rasa's structlog JSON, an object with an "event" key) with the values of
    sensitive keys removed and the rest redacted; None when `line` is not one."""
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(data, dict) or "event" not in data:
        return None
    return redact_text(json.dumps(_scrub(data), default=str, ensure_ascii=False), cut_structures=False)


def _scrub(value: Any) -> Any:
    """`value` with the values of sensitive keys removed at any depth, and the local variables of
    traceback frames (structlog's dict tracebacks hold a repr of each, user text included)."""
    if isinstance(value, dict):
        return {key: REMOVED if key in SENSITIVE_KEYS or key == "locals" else _scrub(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def redact_line(line: str) -> str:
    """One line of a process's output, as the log file gets it."""
    structured = redact_json_line(line)
    return structured if structured is not None else redact_text(line)


def is_sensitive(value: Any, depth: int = 0) -> bool:
    """A tracker, an event, a message or a dict/list holding one (checked two levels deep)."""
    if type(value).__name__ in SENSITIVE_TYPES:
        return True
    if hasattr(value, "sender_id") and (hasattr(value, "events") or hasattr(value, "latest_message")):
        return True
    if isinstance(value, Mapping):
        if SENSITIVE_KEYS.intersection(k for k in value if isinstance(k, str)) or "event" in value:
            return True
        return depth < 2 and any(is_sensitive(v, depth + 1) for v in list(value.values())[:50])
    if isinstance(value, (list, tuple, set, frozenset, deque)):
        return depth < 2 and any(is_sensitive(v, depth + 1) for v in list(value)[:50])
    return False


def _clean_argument(value: Any) -> Any:
    if is_sensitive(value):
        return REMOVED
    return value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite `record` in place: the message formatted from cleaned arguments and redacted, the
    traceback pre-formatted and redacted (both once), and sensitive or textual `extra` values cleaned."""
    if not getattr(record, "_redacted", False):
        _redact_message(record)
        record._redacted = True
    for key, value in list(vars(record).items()):
        if key in _RECORD_ATTRIBUTES or key.startswith("_"):
            continue
        if is_sensitive(value):
            setattr(record, key, REMOVED)
        elif isinstance(value, str):
            setattr(record, key, redact_line(value))
    return record


def _redact_message(record: logging.LogRecord) -> None:
    try:
        if isinstance(record.args, Mapping):  # a single dict argument, formatted whole by "%s"
            if is_sensitive(record.args):
                raise ValueError("a sensitive mapping as the arguments")
            record.args = {key: _clean_argument(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_clean_argument(value) for value in record.args)
        if not isinstance(record.msg, str) and is_sensitive(record.msg):
            record.msg = REMOVED
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call must not crash the caller or leak its arguments
        message = f"{record.msg if isinstance(record.msg, str) else type(record.msg).__name__} [arguments removed]"
    record.msg, record.args = redact_line(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)


class RedactingFilter(logging.Filter):
    """Put on a handler: every record it handles is redacted (see `redact_record`); none is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_record_factory() -> None:
    """Redact every record where it is made, whichever handler later writes it (idempotent). `extra`
    values are set after the factory runs, so handlers still get a `RedactingFilter` for those."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def redacting_filter() -> RedactingFilter:
    """The filter factory named in settings/logging.yml: installs the record factory as well, so the
    handlers Rasa adds after reading the file also write redacted records."""
    install_record_factory()
    return RedactingFilter()


class RetentionFileHandler(logging.handlers.TimedRotatingFileHandler):
    """A log file rotated at midnight (`name.log.YYYY-MM-DD`); rotated files older than
    `retention_days` are deleted at start and at each rotation."""

    def __init__(self, filename: str | Path, retention_days: int | None = None) -> None:
        if retention_days is None:
            from settings import load_settings
            retention_days = load_settings().log_retention_days
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        # backupCount > 0 makes the base class call getFilesToDelete at each rotation
        super().__init__(filename, when="midnight", backupCount=max(1, retention_days), encoding="utf-8")
        self.retention_days = retention_days
        self.delete_expired()

    def rotated_files(self) -> list[Path]:
        base = Path(self.baseFilename)
        return sorted(path for path in base.parent.glob(base.name + ".*") if path.is_file())

    def getFilesToDelete(self) -> list[str]:  # noqa: N802 - the base class's name
        oldest_kept = time.time() - self.retention_days * 86400
        return [str(path) for path in self.rotated_files() if path.stat().st_mtime < oldest_kept]

    def delete_expired(self) -> None:
        for name in self.getFilesToDelete():
            try:
                os.remove(name)
            except OSError:
                pass


FORMAT = "%(asctime)s %(levelname)s %(name)s - %(message)s"


def configure(level: int | str = logging.INFO, stream: Any = None, log_file: str | Path | None = None) -> None:
    """Logging for one of our processes (console, widget server, action server, knowledge CLI): the
    root logger writes redacted records to `stream` (default standard error) and, if given, to a
    rotating `log_file`; replaces handlers configured before."""
    install_record_factory()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if log_file is not None:
        handlers.append(RetentionFileHandler(log_file))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)


# --- the writer around a process -------------------------------------------------------------------

def pipe_to_log(source: Any, handler: logging.Handler) -> None:
    """Copy the lines of the binary stream `source` to `handler`, redacted, until it ends."""
    for raw in iter(source.readline, b""):
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        record = logging.LogRecord("output", logging.INFO, "", 0, redact_line(line), None, None)
        handler.handle(record)


# `--log-file -`: the redacted lines go to standard output, for a container whose runtime collects and
# rotates its output (stack/container.py); no file is written.
STANDARD_OUTPUT = "-"


def run_logged(command: list[str], log_file: str | Path, retention_days: int | None = None) -> int:
    """Run `command` with its standard output and error going, redacted, to `log_file` (standard output
    for "-"); return its exit code. SIGTERM, SIGINT and SIGHUP are passed on to the command, and its
    last lines are still written after it stops."""
    handler: logging.Handler = (logging.StreamHandler(sys.stdout) if str(log_file) == STANDARD_OUTPUT
                                else RetentionFileHandler(log_file, retention_days))
    handler.setFormatter(logging.Formatter("%(message)s"))
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def forward(signum: int, _frame: Any) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        pipe_to_log(child.stdout, handler)
    finally:
        code = child.wait()
        handler.close()
    return code if code >= 0 else 128 - code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m settings.logging",
        description="Run a command with its output redacted into a daily-rotated log file.")
    parser.add_argument("--log-file", required=True,
                        help="the log file (rotated files beside it), or - for standard output")
    parser.add_argument("--retention-days", type=int, default=None, help="default: LOG_RETENTION_DAYS")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    return run_logged(command, args.log_file, args.retention_days)


if __name__ == "__main__":
    sys.exit(main())
