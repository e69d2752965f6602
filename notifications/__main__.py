"""The outbox from the command line.

    python -m notifications deliver [--once] [--interval SECONDS]   send what is due (the console does this too)
    python -m notifications digest                                   queue today's overdue digest now
    python -m notifications list [--state pending|sending|sent|failed|cancelled] [--limit N]
    python -m notifications retry MESSAGE_ID                         send a failed message again

The database is DATABASE_URL's, the server SMTP_HOST's (see .env.example). Exit status: 0 done,
1 refused, 2 wrong usage.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from sqlalchemy.orm import Session

import referrals
from notifications import outbox
from notifications.delivery import deliver_due, run
from notifications.events import queue_digest
from notifications.smtp import SmtpConfig
from referrals.models import utcnow
from settings import load_settings
from settings.database import make_engine
from settings.logging import configure as configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m notifications", description="The email outbox.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    deliver = commands.add_parser("deliver", help="send the messages that are due, in a loop")
    deliver.add_argument("--once", action="store_true", help="one round, then exit")
    deliver.add_argument("--interval", type=float, default=15.0)
    commands.add_parser("digest", help="queue today's digest of overdue inquiries")
    listing = commands.add_parser("list", help="the newest messages")
    listing.add_argument("--state", choices=outbox.STATES)
    listing.add_argument("--limit", type=int, default=50)
    retry = commands.add_parser("retry", help="send a failed message again")
    retry.add_argument("message_id", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    referrals.create_schema(engine)
    try:
        if args.command == "deliver":
            configure_logging()
            config = SmtpConfig.from_settings(settings)
            if config is None:
                print("SMTP_HOST is not set: messages stay in the outbox (the console shows them).", file=sys.stderr)
            if args.once:
                print(deliver_due(engine, config))
                return 0
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
            run(engine, stop, interval=args.interval)
            return 0
        with Session(engine, future=True) as session:
            if args.command == "digest":
                queued = queue_digest(session)
                print(f"queued the overdue digest for {len(queued)} accounts")
            elif args.command == "list":
                for message in outbox.recent(session, state=args.state, limit=args.limit):
                    print(f"{message.id:>6}  {message.created_at:%Y-%m-%d %H:%M}Z  {message.kind:<7} "
                          f"{message.state:<9} tries {message.attempts:<2} {message.reference or '-':<13} "
                          f"{message.subject}" + (f"  [{message.last_error}]" if message.last_error else ""))
            elif args.command == "retry":
                if not outbox.retry(session, args.message_id, utcnow()):
                    print(f"error: message {args.message_id} is not a failed message", file=sys.stderr)
                    return 1
                print(f"message {args.message_id} will be sent at the next round")
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
