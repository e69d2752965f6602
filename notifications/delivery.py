"""Sending what the outbox holds: one round (`deliver_due`) and the loop that runs rounds and queues the
daily digest (`run`), started by the console process (`console.server`) or alone with
`python -m notifications deliver`. Several loops may run at once (two console processes): each message is
claimed by one (see `notifications.outbox`).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from notifications import outbox, smtp
from referrals.deadlines import KST
from referrals.models import utcnow
from settings import load_settings

log = logging.getLogger("notifications")
INTERVAL_SECONDS = 15

Sender = Callable[[smtp.SmtpConfig, object], None]


@dataclass
class Round:
    """What one round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def deliver_due(engine: Engine, config: smtp.SmtpConfig | None, *, now: datetime | None = None,
                send: Sender = smtp.send, limit: int = 50) -> Round:
    """Send the messages due now; nothing without a configured server (they wait in the outbox)."""
    done = Round()
    if config is None:
        return done
    now = now or utcnow()
    with Session(engine, future=True, expire_on_commit=False) as session:
        for message in outbox.claim_due(session, now, limit):
            email = smtp.build(config, list(message.recipients), message.subject, message.body, message.message_id)
            try:
                send(config, email)
            except smtp.TemporaryFailure as error:
                permanent = message.attempts >= outbox.MAX_ATTEMPTS
                outbox.mark_failed(session, message, now, str(error), permanent=False)
                done.failed += permanent
                done.retrying += not permanent
                log.warning("email %d (%s) not sent, will retry: %s", message.id, message.kind, error)
            except smtp.PermanentFailure as error:
                outbox.mark_failed(session, message, now, str(error), permanent=True)
                done.failed += 1
                log.error("email %d (%s) failed for good: %s", message.id, message.kind, error)
            else:
                outbox.mark_sent(session, message, utcnow())
                done.sent += 1
    return done


def digest_due(now: datetime, hour: int, last_day: str | None) -> str | None:
    """Today's date (Korea) when the digest hour has come and today's digest was not queued by this loop."""
    local = now.astimezone(KST)
    today = local.date().isoformat()
    return today if local.hour >= hour and today != last_day else None


def run(engine: Engine, stop: threading.Event, *, interval: float = INTERVAL_SECONDS) -> None:
    """Deliver every `interval` seconds and queue the digest once a day at DIGEST_HOUR (Korea time) until
    `stop` is set. Failures are logged and the loop goes on. A restart queues the day's digest again
    only for accounts that have none (the outbox's dedupe key)."""
    from notifications.events import queue_digest  # noqa: PLC0415

    last_digest: str | None = None
    while not stop.is_set():
        settings = load_settings()
        try:
            day = digest_due(utcnow(), settings.digest_hour, last_digest)
            if day is not None:
                with Session(engine, future=True) as session:
                    queued = queue_digest(session)
                last_digest = day
                if queued:
                    log.info("queued the overdue digest for %d accounts", len(queued))
            result = deliver_due(engine, smtp.SmtpConfig.from_settings(settings))
            if result.sent or result.failed or result.retrying:
                log.info("outbox round: %s", result)
        except Exception:  # noqa: BLE001 - keep going; the next round tries again
            log.exception("outbox round failed")
        stop.wait(interval)


def start_thread(engine: Engine, stop: threading.Event, *, interval: float = INTERVAL_SECONDS) -> threading.Thread:
    """`run` in a daemon thread (the console's process)."""
    thread = threading.Thread(target=run, args=(engine, stop), kwargs={"interval": interval}, name="outbox",
                              daemon=True)
    thread.start()
    return thread
