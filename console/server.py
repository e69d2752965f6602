"""Serving the console: waitress when it is installed, otherwise werkzeug's threaded WSGI server.

The console process also runs two background loops: re-purging the transcripts of erased inquiries, and
the email outbox (`notifications.delivery`: sending what is due through SMTP_HOST, the daily overdue
digest at DIGEST_HOUR). So `make run` needs no extra service for email; a deployment with several
console processes runs a loop in each, and the outbox's claims keep each email to one sender.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading

from flask import Flask

import referrals
from settings.database import shared_engine
from settings.logging import configure as configure_logging

log = logging.getLogger("console")
PURGE_INTERVAL_SECONDS = 300


def _purge_loop(database_url: str, stop: threading.Event) -> None:
    """Re-delete the transcripts of erased inquiries that Rasa saved again (see referrals.transcript)."""
    from sqlalchemy.orm import Session

    while True:
        try:
            with Session(shared_engine(database_url), future=True) as session:
                removed = referrals.purge_deleted_transcripts(session)
            if removed:
                log.info("purged %d chat events of erased inquiries", removed)
        except Exception:  # noqa: BLE001 - keep serving; try again next round
            log.exception("purging transcripts of erased inquiries failed")
        if stop.wait(PURGE_INTERVAL_SECONDS):
            return


def serve(app: Flask, database_url: str, host: str, port: int) -> int:
    configure_logging()  # redacted records (no emails, phones or message texts), as every process
    stop = threading.Event()
    purger = threading.Thread(target=_purge_loop, args=(database_url, stop), name="purge", daemon=True)
    purger.start()
    from notifications.delivery import start_thread  # noqa: PLC0415

    start_thread(shared_engine(database_url), stop, interval=_outbox_interval())
    try:
        import waitress  # noqa: PLC0415 - optional
    except ImportError:
        waitress = None
    print(f"coordinators' console on http://{host}:{port}/ (database: {_safe_url(database_url)})", flush=True)
    if waitress is not None:
        waitress.serve(app, host=host, port=port, threads=8)
        return 0
    from werkzeug.serving import make_server  # noqa: PLC0415

    server = make_server(host, port, app, threaded=True)

    def _shutdown(_signum, _frame):  # noqa: ANN001
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
    print("console stopped", file=sys.stderr, flush=True)
    return 0


def _outbox_interval() -> float:
    """Seconds between outbox rounds (CONSOLE_OUTBOX_INTERVAL_SECONDS, for the tests; default 15)."""
    import os  # noqa: PLC0415

    try:
        return max(0.2, float(os.environ.get("CONSOLE_OUTBOX_INTERVAL_SECONDS", "") or 15))
    except ValueError:
        return 15.0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)
