"""The logging layer (settings/logging.py): redaction of text, structured lines and log records, Rasa's
logging set-up read from settings/logging.yml, the writer around a process, rotation and retention."""
from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from settings import PROJECT_ROOT
from settings.logging import (
    REMOVED, RedactingFilter, RetentionFileHandler, configure, redact_line, redact_record, redact_text,
)
from tests.privacy.personal_data import register

EMAIL = "gulnara.redact@example.kz"
PHONE = "+7 705 555 0123"
NAME = "Gulnara Redactova"
DIAGNOSIS = "Redaction test neuroblastoma"
register(EMAIL, PHONE, NAME, DIAGNOSIS)
TRACKER = {"sender_id": "s1", "slots": {"patient_name": NAME},
           "latest_message": {"text": f"I am {NAME}, {DIAGNOSIS}"}, "events": []}


@pytest.mark.parametrize("text", [
    f"write to {EMAIL}", "mail ANNA.KIM+care@Example.COM now", f"call {PHONE}", "call +976 9911-2233",
    "call (010) 1234-5678", "call 010.1234.5678", "passport 123456789", "born 02/03/1960",
])
def test_contacts_and_long_numbers_are_masked(text):
    masked = redact_text(text)
    assert not any(ch.isdigit() for ch in masked) and "@" not in masked, masked


@pytest.mark.parametrize("text", [
    "2026-11-27 18:20:01,123 INFO rasa.core - started", "sender form-3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "listening on 127.0.0.1:5005", "took 1732712345.123456 s, confidence 0.9876543", "Rasa 3.6.21, port 5055",
    "KR-7H3K9M2QXA status checked", "Loading model models/20261127-182001-uniform-father.tar.gz...",
])
def test_ids_times_addresses_and_references_alone_are_kept(text):
    assert redact_text(text) == text


def test_a_reference_beside_a_contact_is_masked():
    assert redact_text(f"status of KR-7H3K9M2QXA for {EMAIL}") == "status of [reference] for [email]"
    assert redact_text("kr-7h3k9m2qxa +82 10 1234 5678") == "[reference] [number]"


def test_a_serialised_tracker_in_a_line_is_cut_off():
    line = f"ClientResponseError: 500, text={json.dumps({'error': 'boom', 'request_body': {'tracker': TRACKER}})}"
    assert redact_text(line) == "ClientResponseError: 500, text={" + REMOVED + "}"
    assert NAME not in redact_text(repr(TRACKER))


def test_a_structured_line_loses_the_user_text_and_the_tracebacks_local_variables():
    frame = {"filename": "rest.py", "lineno": 162, "locals": {"text": f"'I am {NAME}'", "sender_id": "'s1'"}}
    line = json.dumps({"event": "rest.message.received.failure", "text": f"I am {NAME}", "level": "error",
                       "sender_id": f"{EMAIL}", "exception": [{"exc_type": "ValueError", "frames": [frame]}]})
    cleaned = json.loads(redact_line(line))
    assert cleaned == {"event": "rest.message.received.failure", "text": REMOVED, "level": "error",
                       "sender_id": "[email]", "exception": [{"exc_type": "ValueError", "frames": [
                           {"filename": "rest.py", "lineno": 162, "locals": REMOVED}]}]}


class DialogueStateTracker:  # the name is what the filter recognises
    sender_id = "s1"
    events = ()


def record(msg, args=(), **extra) -> logging.LogRecord:  # noqa: ANN001
    made = logging.LogRecord("test", logging.ERROR, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_trackers_and_message_dicts_are_dropped_from_arguments_and_extra():
    cleaned = redact_record(record("tracker %s, message %s, mail %s, count %d",
                                   (DialogueStateTracker(), {"text": NAME, "intent": {}}, EMAIL, 3),
                                   tracker=TRACKER, user=f"{NAME} <{EMAIL}>", count=3))
    assert cleaned.getMessage() == f"tracker {REMOVED}, message {REMOVED}, mail [email], count 3"
    assert cleaned.tracker == REMOVED and cleaned.user == f"{NAME} <[email]>" and cleaned.count == 3


def test_a_single_sensitive_dict_argument_is_dropped():
    assert redact_record(record("parse %s", ({"text": NAME, "intent": "x"},))).getMessage() == (
        "parse %s [arguments removed]")


def test_a_traceback_is_redacted():
    try:
        raise ValueError(f"no account for {EMAIL} with {TRACKER!r}")
    except ValueError:
        made = record("failed")
        made.exc_info = sys.exc_info()
    text = logging.Formatter().format(redact_record(made))
    assert EMAIL not in text and NAME not in text and "ValueError: no account for [email]" in text


def test_configure_redacts_what_every_logger_writes_including_extra():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogRecordFactory())
    try:
        configure(stream=stream)
        root.handlers[0].setFormatter(logging.Formatter("%(message)s | %(tracker)s"))
        logging.getLogger("actions.anything").warning("patient %s", EMAIL, extra={"tracker": TRACKER})
    finally:  # give pytest its logging back
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.setLogRecordFactory(saved[2])
    assert stream.getvalue() == f"patient [email] | {REMOVED}\n"


RASA_LIKE_START = """
import logging, structlog, rasa.utils.common, rasa.utils.io
from rasa.utils.log_utils import configure_structlog
# the order of rasa.__main__.main: the logging file, Rasa's coloured console handler, structlog
rasa.utils.common.configure_logging_and_warnings(None, "settings/logging.yml")
rasa.utils.io.configure_colored_logging(None)
configure_structlog(None)
text = {text!r}
try:
    raise RuntimeError("Error running graph component for node run_nlu_components.SafetyGuard")
except RuntimeError:  # what Rasa's REST channel logs when the NLU pipeline fails on a message
    structlog.get_logger("rasa.core.channels.rest").exception("rest.message.received.failure", text=text)
logging.getLogger("rasa.core.processor").error("Encountered an exception; tracker %s", {tracker!r})
logging.getLogger("sanic.error").error("request from %s", {email!r})
"""


def test_rasas_logging_set_up_with_the_projects_file_redacts_its_lines():
    script = RASA_LIKE_START.format(text=f"My mother {NAME} has {DIAGNOSIS}", tracker=TRACKER, email=EMAIL)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "FORCE_JSON_LOGGING": "1"}
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "rest.message.received.failure" in output and REMOVED in output, output[-2000:]
    for value in (NAME, DIAGNOSIS, EMAIL):
        assert value not in output, output[-2000:]


CHILD = """
import json, signal, sys, time
print("plain print to", {email!r}, "and", {phone!r}, flush=True)
print(json.dumps({{"event": "x", "text": {name!r}}}), flush=True)
sys.stderr.write("Traceback: ClientResponseError text=" + json.dumps({{"request_body": {tracker!r}}}) + "\\n")
sys.stderr.flush()
signal.signal(signal.SIGTERM, lambda *_: (print("stopping cleanly", flush=True), sys.exit(0)))
if "--wait" in sys.argv:
    print("ready", flush=True)
    time.sleep(60)
sys.exit(3)
"""


def run_wrapped(tmp_path, *extra: str, **popen) -> tuple[subprocess.Popen, object]:
    log = tmp_path / "logs" / "child.log"
    script = CHILD.format(email=EMAIL, phone=PHONE, name=NAME, tracker=TRACKER)
    command = [sys.executable, "-m", "settings.logging", "--log-file", str(log), "--", sys.executable, "-c",
               script, *extra]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, **popen), log


def test_the_writer_redacts_a_processs_output_and_returns_its_exit_code(tmp_path):
    process, log = run_wrapped(tmp_path)
    assert process.wait(timeout=60) == 3
    written = log.read_text()
    assert "plain print to [email] and [number]" in written
    assert '"text": "[removed]"' in written and "ClientResponseError text={[removed]}" in written
    for value in (EMAIL, NAME, "705 555", DIAGNOSIS):
        assert value not in written, written


def test_the_writer_passes_sigterm_on_and_keeps_the_last_lines(tmp_path):
    process, log = run_wrapped(tmp_path, "--wait")
    deadline = time.monotonic() + 60
    while "ready" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGTERM)  # the writer only, as a supervisor may do
    assert process.wait(timeout=30) == 0
    assert log.read_text().rstrip().endswith("stopping cleanly")


def test_rotated_files_are_kept_for_the_retention_and_then_deleted(tmp_path):
    log = tmp_path / "logs" / "service.log"
    log.parent.mkdir()
    old, recent = (tmp_path / "logs" / f"service.log.{day}" for day in ("2020-01-01", "2020-01-09"))
    for path, age_days in ((old, 10), (recent, 1)):
        path.write_text("rotated\n")
        stamp = (datetime.now() - timedelta(days=age_days)).timestamp()
        os.utime(path, (stamp, stamp))
    handler = RetentionFileHandler(log, retention_days=3)
    assert not old.exists() and recent.exists(), "expired files go when the handler opens"
    handler.emit(record("before midnight"))
    stamp = (datetime.now() - timedelta(days=5)).timestamp()
    os.utime(recent, (stamp, stamp))
    handler.doRollover()  # what happens at midnight
    handler.emit(record("after midnight"))
    handler.close()
    assert not recent.exists(), "expired at the rotation"
    rotated = [path for path in log.parent.iterdir() if path.name.startswith("service.log.")]
    assert len(rotated) == 1 and "before midnight" in rotated[0].read_text()
    assert log.read_text() == "after midnight\n"


def test_the_writer_filter_runs_on_every_record_once():
    made = record("mail %s", (EMAIL,))
    assert RedactingFilter().filter(made) and RedactingFilter().filter(made)
    assert made.getMessage() == "mail [email]"
