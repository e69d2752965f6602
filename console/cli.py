"""The console's command line, for running it and for scripting.

    python -m console serve [--host $BIND_HOST] [--port $CONSOLE_PORT] [--session-dir DIR]
    python -m console create-user USERNAME [--display-name NAME] [--role coordinator|administrator]
                                  [--email ADDRESS] [--unit UNIT_ID ...] [--password-stdin]
    python -m console set-password USERNAME [--password-stdin]
    python -m console deactivate-user USERNAME | activate-user USERNAME
    python -m console set-role USERNAME coordinator|administrator
    python -m console set-units USERNAME [UNIT_ID ...]        (none: no unit)
    python -m console set-email USERNAME [ADDRESS]            (none: no notifications)
    python -m console users
    python -m console units                                   (the knowledge store's unit ids and names)
    python -m console list [filters] [--sort due|newest] [--by USERNAME]
    python -m console show REFERENCE [--by USERNAME]
    python -m console set-status REFERENCE STATUS --by USERNAME
    python -m console export [filters] [--by USERNAME] [--bom] > inquiries.csv
    python -m console audit [--reference REF] [--actor NAME] [--limit N] [--by USERNAME]
    python -m console purge-transcripts

Filters: --status --unit --country --language --search --assigned USER|-. Whoever runs this has the
database in hand, so without `--by` it acts as the operator `cli:<login name>` (every inquiry, the
accounts); `--by USERNAME` applies that account's role and units (a coordinator sees their queues only
and may not read the whole audit log). Lists, views, exports and audit-log reads are audited.
The database is DATABASE_URL's (see .env.example). Exit status: 0 done, 1 refused (message on stderr),
2 wrong usage.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime, timezone

from sqlalchemy.orm import Session

import referrals
from referrals import InquiryFilter, ReferralError, Role, Status
from console.timefmt import ago
from referrals.browsing import browse, read_audit_log
from messages import say_error
from referrals.deadlines import Promise, deadline
from referrals.names import names
from settings import load_settings
from settings.database import make_engine


def _cli_actor(by: str | None) -> str:
    if by:
        return by
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=Status.values())
    parser.add_argument("--unit", help="recommended unit id")
    parser.add_argument("--country", help="country name or ISO code")
    parser.add_argument("--language", help="language name or ISO code")
    parser.add_argument("--search", help="words to find in reference, names, diagnosis, contact, notes")
    parser.add_argument("--assigned", help="coordinator username, or - for unassigned")


def _filters(args: argparse.Namespace) -> InquiryFilter:
    return InquiryFilter(status=args.status, unit=args.unit, country=args.country, language=args.language,
                         search=args.search, assigned_to=args.assigned).normalised()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m console", description="The coordinators' console.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web console")
    serve.add_argument("--host", default=None, help="default: BIND_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="default: CONSOLE_PORT")
    serve.add_argument("--session-dir", default=None,
                       help="where sessions are kept when REDIS_URL is empty (default: var/console-sessions)")

    create = commands.add_parser("create-user", help="create a coordinator account")
    create.add_argument("username")
    create.add_argument("--display-name")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.add_argument("--role", choices=Role.values(),
                        help="default: administrator for the first account, coordinator after")
    create.add_argument("--email", help="where new inquiries of their units and the overdue digest are sent")
    create.add_argument("--unit", action="append", default=[], help="a unit id whose queue they work (repeatable)")

    role = commands.add_parser("set-role", help="make an account a coordinator or an administrator")
    role.add_argument("username")
    role.add_argument("role", choices=Role.values())
    units = commands.add_parser("set-units", help="the units whose queue a coordinator works")
    units.add_argument("username")
    units.add_argument("units", nargs="*", metavar="UNIT_ID")
    email = commands.add_parser("set-email", help="the address notifications go to (none: remove)")
    email.add_argument("username")
    email.add_argument("email", nargs="?", default=None)
    commands.add_parser("users", help="list the accounts with role, email and units")
    commands.add_parser("units", help="the unit ids to give coordinators, with their names")

    password = commands.add_parser("set-password", help="change a coordinator's password (ends their sessions)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")

    for name, text in (("deactivate-user", "block an account (ends its sessions)"), ("activate-user", "unblock")):
        command = commands.add_parser(name, help=text)
        command.add_argument("username")

    listing = commands.add_parser("list", help="list inquiries, least time left first (audited)")
    _add_filters(listing)
    listing.add_argument("--limit", type=int, default=None)
    listing.add_argument("--sort", choices=("due", "newest"), default="due")
    listing.add_argument("--by", help="whose queues (default: cli:<login name>, every inquiry)")

    show = commands.add_parser("show", help="show one inquiry (audited)")
    show.add_argument("reference")
    show.add_argument("--by", help="who is looking (default: cli:<login name>)")

    status = commands.add_parser("set-status", help="change an inquiry's status")
    status.add_argument("reference")
    status.add_argument("status", choices=Status.values())
    status.add_argument("--by", required=True, help="the coordinator's username")

    export = commands.add_parser("export", help="write the filtered inquiries as CSV to standard output")
    _add_filters(export)
    export.add_argument("--by", help="who exports (default: cli:<login name>)")
    export.add_argument("--bom", action="store_true", help="start with a UTF-8 byte order mark (for Excel)")

    audit = commands.add_parser("audit", help="the audit log, newest first (administrators; audited)")
    audit.add_argument("--reference")
    audit.add_argument("--actor")
    audit.add_argument("--limit", type=int, default=100)
    audit.add_argument("--by", help="who reads (default: cli:<login name>)")

    commands.add_parser("purge-transcripts", help="delete chat events left of erased inquiries")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ReferralError("console.passwords_differ")
    return first


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    if args.command == "serve":
        from console.app import create_app  # noqa: PLC0415
        from console.server import serve  # noqa: PLC0415

        app = create_app(settings.database_url, session_dir=args.session_dir)
        return serve(app, settings.database_url, args.host or settings.bind_host, args.port or settings.console_port)

    engine = make_engine(settings.database_url)
    referrals.create_schema(engine)
    try:
        with Session(engine, future=True) as session:
            return _run(args, session)
    except ReferralError as error:
        print(f"error: {say_error(error)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, session: Session) -> int:  # noqa: C901 - a dispatcher
    out = sys.stdout
    operator = _cli_actor(None)
    if args.command == "create-user":
        coordinator = referrals.create_coordinator(session, args.username, _read_password(args.password_stdin),
                                                   args.display_name, role=args.role, email=args.email,
                                                   units=tuple(args.unit), by=operator)
        print(f"created coordinator {coordinator.username} ({coordinator.display_name}), role {coordinator.role}"
              + (f", units {', '.join(coordinator.unit_ids)}" if coordinator.unit_ids else ""))
    elif args.command == "set-password":
        referrals.set_password(session, args.username, _read_password(args.password_stdin), by=operator)
        print(f"password changed for {args.username}")
    elif args.command in ("deactivate-user", "activate-user"):
        referrals.set_active(session, args.username, args.command == "activate-user", by=operator)
        print(f"{args.username} {'activated' if args.command == 'activate-user' else 'deactivated'}")
    elif args.command == "set-role":
        print(f"{referrals.set_role(session, args.username, args.role, by=operator).username} is now {args.role}")
    elif args.command == "set-units":
        account = referrals.set_units(session, args.username, tuple(args.units), by=operator)
        print(f"{account.username} works the queues of: {', '.join(account.unit_ids) or 'no unit'}")
    elif args.command == "set-email":
        account = referrals.set_email(session, args.username, args.email, by=operator)
        print(f"{account.username} gets notifications at: {account.email or 'nowhere'}")
    elif args.command == "users":
        _users(session, out)
    elif args.command == "units":
        known = names(session.get_bind()).units
        if not known:
            raise ReferralError("console.store_not_built")
        for unit in sorted(known.values(), key=lambda unit: unit.id):
            print(f"{unit.id:<32} {unit.full}", file=out)
    elif args.command == "audit":
        for entry in read_audit_log(session, by=_cli_actor(args.by), reference=args.reference, actor=args.actor,
                                    limit=args.limit):
            print(f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {entry.actor}  {entry.action}  {entry.reference or '-'}"
                  + (f"  ({entry.details})" if entry.details else ""), file=out)
    elif args.command == "list":
        _list(session, _filters(args), args.limit, out, by=_cli_actor(args.by), order=args.sort)
    elif args.command == "show":
        _show(session, referrals.view_inquiry(session, args.reference, by=_cli_actor(args.by)), out)
    elif args.command == "set-status":
        inquiry = referrals.set_status(session, args.reference, args.status, by=args.by)
        print(f"{inquiry.reference} is now {inquiry.status}")
    elif args.command == "export":
        if args.bom:
            out.write("\ufeff")
        referrals.export_csv(session, _filters(args), by=_cli_actor(args.by), out=out)
    elif args.command == "purge-transcripts":
        print(f"deleted {referrals.purge_deleted_transcripts(session)} chat events of erased inquiries")
    return 0


def _ago(value: datetime) -> str:
    return ago(value)


def _time_left(inquiry: referrals.Inquiry, now: datetime, promise: Promise) -> str:
    item = deadline(inquiry, now, promise)
    if item is None:
        return "-"
    hours = int(abs(item.left.total_seconds()) // 3600)
    return f"overdue:{hours}h" if item.overdue else f"{hours}h"


def _users(session: Session, out) -> None:  # noqa: ANN001
    for account in referrals.list_coordinators(session, include_inactive=True):
        print(f"{account.username:<20} {account.role:<13} {'active' if account.active else 'inactive':<8} "
              f"{account.email or '-':<30} {', '.join(account.unit_ids) or '-'}", file=out)


def _list(session: Session, filters: InquiryFilter, limit: int | None, out, *, by: str,  # noqa: ANN001
          order: str) -> None:
    inquiries = browse(session, filters, by=by, order=order, limit=limit).inquiries
    unit_names = names(session.get_bind())
    now, promise = datetime.now(timezone.utc), Promise.from_settings()
    columns = ("reference", "submitted", "age", "status", "left", "country", "language", "unit", "assigned",
               "patient")
    rows = [(
        i.reference, i.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%MZ"), _ago(i.created_at),
        i.status, _time_left(i, now, promise), i.country, i.language, unit_names.unit(i.recommended_unit_id) or "-",
        i.assigned_to.username if i.assigned_to else "-",
        "(deleted)" if i.personal_data_deleted_at else (i.patient_name or ""),
    ) for i in inquiries]
    widths = [max([len(c)] + [len(r[n]) for r in rows]) for n, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(), file=out)
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip(), file=out)
    print(f"{len(rows)} inquiries", file=sys.stderr)


def _show(session: Session, inquiry: referrals.Inquiry, out) -> None:  # noqa: ANN001
    labels = {cls: {m.value: m.label for m in cls} for cls in (referrals.Writer, referrals.Relation,
                                                                 referrals.StageOfCare, referrals.Want)}
    yes_no = {None: "not asked", True: "yes", False: "no"}
    known = names(session.get_bind())
    fields = [
        ("Reference", inquiry.reference),
        ("Status", inquiry.status),
        ("Submitted", f"{inquiry.created_at:%Y-%m-%d %H:%M} UTC ({_ago(inquiry.created_at)})"),
        ("Updated", f"{inquiry.updated_at:%Y-%m-%d %H:%M} UTC"),
        ("Assigned to", inquiry.assigned_to.username if inquiry.assigned_to else "-"),
        ("Written by", labels[referrals.Writer].get(inquiry.writer, inquiry.writer)
         + (f" ({labels[referrals.Relation].get(inquiry.relation)})" if inquiry.relation else "")
         + (f": {inquiry.writer_name}" if inquiry.writer_name else "")),
        ("Patient", inquiry.patient_name or "-"),
        ("Age", "-" if inquiry.age is None else f"{inquiry.age}"
         + (f" (born {inquiry.birth_date.isoformat()})" if inquiry.birth_date else "")),
        ("Country", f"{referrals.country_name(inquiry.country)} ({inquiry.country})"),
        ("Language", f"{referrals.language_name(inquiry.language)} ({inquiry.language})"),
        ("Diagnosis", inquiry.diagnosis or "-"),
        ("Condition", known.condition(inquiry.condition_id) or "-"),
        ("Recommended unit", known.unit_full(inquiry.recommended_unit_id) or "-"),
        ("Stage of care", labels[referrals.StageOfCare].get(inquiry.stage, inquiry.stage)),
        ("Wants", "; ".join(labels[referrals.Want].get(w, w) for w in inquiry.wants or [])),
        ("Treatment so far", inquiry.treatment_history or "-"),
        ("Questions", inquiry.questions or "-"),
        ("Records / pathology / imaging", " / ".join(yes_no[v] for v in (
            inquiry.has_records, inquiry.has_pathology, inquiry.has_imaging))),
        ("Travel plans", inquiry.travel_plans or "-"),
        ("Email", inquiry.contact_email or "-"),
        ("Phone", inquiry.contact_phone or "-"),
        ("Consent given", f"{inquiry.consent_given_at:%Y-%m-%d %H:%M} UTC" if inquiry.consent_given_at else "-"),
        ("Conversation", inquiry.conversation_id or "-"),
        ("Reply", inquiry.reply_text or "-"),
    ]
    if inquiry.personal_data_deleted_at:
        fields.append(("Personal data deleted", f"{inquiry.personal_data_deleted_at:%Y-%m-%d %H:%M} UTC"))
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        print(f"{name + ':':<{width + 1}} {value}".rstrip(), file=out)
    if inquiry.notes:
        print("\nNotes:", file=out)
        for note in inquiry.notes:
            author = note.author.username if note.author else "system"
            print(f"  {note.created_at:%Y-%m-%d %H:%M} UTC {author}: {note.text}", file=out)
    print("\nAudit trail (newest first):", file=out)
    for entry in referrals.audit_entries(session, inquiry.reference, limit=50):
        print(f"  {entry.at:%Y-%m-%d %H:%M:%S} UTC {entry.actor} {entry.action}"
              + (f" ({entry.details})" if entry.details else ""), file=out)
