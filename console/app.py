"""The coordinators' console: a Flask application over the `referrals` API.

Every page and action requires a signed-in coordinator (sign-in is the only exception, and the
stylesheet); every POST form carries a Flask-WTF CSRF token; a session ends after
`CONSOLE_SESSION_MINUTES` without a request, at sign-out, and when the account's password changes or the
account is deactivated. Sessions are kept on the server (`console.sessions`); failed sign-ins are
throttled per account and client address (`console.sign_in_attempts`). Views and changes of inquiries
are audited by `referrals`.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask, Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

import referrals
from console.forms import AssignForm, EraseForm, LoginForm, LogoutForm, NoteForm, ReplyForm, StatusForm
from console import sessions, sign_in_attempts
from console.knowledge_view import unit_view
from console.sign_in_attempts import LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW, LOGIN_RATE_LIMIT
from console.timefmt import KST, ago, korea_time
from referrals import (
    Coordinator, InquiryFilter, InquiryNotFound, ReferralError, Relation, StageOfCare, Status, Want,
    Writer,
)
from settings import load_settings
from settings.database import shared_engine

log = logging.getLogger(__name__)

PAGE_SIZE = 50
REPLY_TARGET = timedelta(hours=48)  # what the international office promises: an answer within two days
PUBLIC_ENDPOINTS = frozenset({"login", "static"})
CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


class ConsoleUser(UserMixin):
    """The signed-in coordinator. The user id kept in the session includes a fingerprint of the
    password hash, so a password change (the CLI's `set-password`) or a deactivation ends every session
    of the account at its next request, wherever the session is stored."""

    def __init__(self, coordinator: Coordinator) -> None:
        self.coordinator_id = coordinator.id
        self.username = coordinator.username
        self.display_name = coordinator.display_name
        self.id = f"{coordinator.id}:{_fingerprint(coordinator)}"

    def get_id(self) -> str:
        return self.id


def _fingerprint(coordinator: Coordinator) -> str:
    return hashlib.sha256(coordinator.password_hash.encode()).hexdigest()[:16]


def db() -> Session:
    """The request's database session."""
    if "db" not in g:
        g.db = Session(current_app.extensions["referrals_engine"], future=True)
    return g.db


def create_app(database_url: str | None = None, *, secret_key: str | None = None,
               session_minutes: int | None = None, session_dir: Path | str | None = None,
               redis_url: str | None = None, trusted_proxies: int | None = None) -> Flask:
    """The console for `database_url` (default: the configured DATABASE_URL); creates the referral
    tables when missing. The keywords override the settings (CONSOLE_SECRET_KEY,
    CONSOLE_SESSION_MINUTES, REDIS_URL, CONSOLE_TRUSTED_PROXIES); `session_dir` is where sessions are
    kept without Redis (default `var/console-sessions/`)."""
    settings = load_settings()
    minutes = max(1, session_minutes if session_minutes is not None else settings.console_session_minutes)
    redis_url = settings.redis_url if redis_url is None else redis_url
    trusted_proxies = settings.console_trusted_proxies if trusted_proxies is None else trusted_proxies
    app = Flask(__name__)
    app.config.update(
        # signs the CSRF tokens; the session cookie holds only a random id (see console.sessions)
        SECRET_KEY=secret_key or settings.console_secret_key or secrets.token_urlsafe(48),
        SESSION_COOKIE_NAME="carebot_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind an HTTPS reverse proxy, set CONSOLE_COOKIE_SECURE=1 so the cookie never travels in clear.
        SESSION_COOKIE_SECURE=settings.console_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        CONSOLE_SESSION_MINUTES=minutes,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires on inactivity
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if trusted_proxies > 0:
        # request.remote_addr becomes the client's address as the nearest trusted proxy saw it; with 0
        # a client-sent X-Forwarded-For is ignored (it would let anyone choose their throttle key)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies)
    engine = shared_engine(database_url or settings.database_url)
    referrals.create_schema(engine)  # with the console's own tables (imported above, same MetaData)
    app.extensions["referrals_engine"] = engine
    try:  # import the knowledge store now rather than on the first inquiry page
        import knowledge.queries  # noqa: F401, PLC0415
    except Exception:  # noqa: BLE001 - optional; the inquiry page says so
        pass
    sessions.init_sessions(app, redis_url=redis_url, session_dir=session_dir)
    limiter = sign_in_attempts.init_rate_limit(app, redis_url=redis_url)

    login_manager = LoginManager()
    login_manager.session_protection = "strong"
    login_manager.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> ConsoleUser | None:
        coordinator_id, _, fingerprint = (user_id or "").partition(":")
        if not (coordinator_id.isascii() and coordinator_id.isdecimal()):
            return None
        coordinator = db().get(Coordinator, int(coordinator_id))
        if coordinator is None or not coordinator.active or _fingerprint(coordinator) != fingerprint:
            return None
        if sessions.has_ended(db(), session.sid):  # signed out, though a late request wrote it back
            return None
        return ConsoleUser(coordinator)

    # Registered before CSRFProtect, so a signed-out POST is sent to the sign-in page (not a 400).
    app.before_request(_require_sign_in)
    CSRFProtect(app)
    app.teardown_appcontext(_close_db)
    app.after_request(_security_headers)
    _register_template_helpers(app)
    _register_routes(app, limiter)
    _register_errors(app)
    return app


def _close_db(_error: BaseException | None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.close()


def _end_session() -> None:
    """End the signed-in session for good: delete it from the store (a fresh id for what follows, such
    as the flashed message) and record its id as ended, so a copy of its cookie is refused."""
    if session.get("_user_id"):
        keep_for = 2 * current_app.permanent_session_lifetime + timedelta(minutes=5)
        sessions.record_ended(db(), session.sid, keep_for)
    current_app.session_interface.regenerate(session)  # before clear(): an empty session is not rotated
    logout_user()
    session.clear()


def _require_sign_in() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if session.get("_user_id"):  # a session whose account changed password, was deactivated or ended
            session.clear()  # an empty session is deleted from the store
        if request.method in ("GET", "HEAD") and request.endpoint is not None:
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        return redirect(url_for("login"))
    if _end_if_inactive():
        return redirect(url_for("login"))
    session["seen"] = int(time.time())
    return None


def _end_if_inactive() -> bool:
    """End a signed-in session whose last request is older than CONSOLE_SESSION_MINUTES."""
    seen = session.get("seen")
    minutes = current_app.config["CONSOLE_SESSION_MINUTES"]
    if isinstance(seen, int) and int(time.time()) - seen <= minutes * 60:
        return False
    _end_session()
    flash(f"Your session ended after {minutes} minutes without activity. Please sign in again.", "info")
    return True


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no protocol-relative `//`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


# --- template helpers ---------------------------------------------------------------------------------

def _register_template_helpers(app: Flask) -> None:
    labels = {cls.__name__: {m.value: m.label for m in cls} for cls in (Writer, Relation, StageOfCare, Want)}

    app.jinja_env.filters.update(
        ago=ago,
        korea_time=korea_time,
        country_name=referrals.country_name,
        language_name=referrals.language_name,
        status_label=lambda value: Status(value).short_label if value in Status.values() else value,
        writer_label=lambda value: labels["Writer"].get(value, value or ""),
        relation_label=lambda value: labels["Relation"].get(value, value or ""),
        stage_label=lambda value: labels["StageOfCare"].get(value, value or ""),
        want_label=lambda value: labels["Want"].get(value, value or ""),
        yes_no=lambda value: "not asked" if value is None else ("yes" if value else "no"),
        iso_utc=lambda value: "" if value is None else value.astimezone(timezone.utc).isoformat(timespec="seconds"),
    )

    @app.context_processor
    def _globals() -> dict:
        context = {"Status": Status, "now": datetime.now(timezone.utc), "reply_target": REPLY_TARGET}
        if current_user.is_authenticated:
            context["logout_form"] = LogoutForm()
        return context


# --- routes -------------------------------------------------------------------------------------------

def _filters_from_args() -> tuple[InquiryFilter, dict[str, str]]:
    """The inbox/export filters from the query string, each validated alone (a bad one is dropped)."""
    args = request.args
    raw = {
        "status": args.get("status", "").strip(),
        "unit": args.get("unit", "").strip(),
        "country": args.get("country", "").strip(),
        "language": args.get("language", "").strip(),
        "search": args.get("q", "").strip(),
        "assigned_to": args.get("assigned", "").strip(),
    }
    if raw["assigned_to"] == "me":
        raw["assigned_to"] = current_user.username
    kept: dict[str, str] = {}
    for name, value in raw.items():
        if not value:
            continue
        try:
            InquiryFilter(**{name: value}).normalised()
            kept[name] = value
        except ReferralError as error:
            flash(f"Filter {name} ignored: {error.message}", "error")
    return InquiryFilter(**kept).normalised(), kept


def _is_overdue(inquiry: referrals.Inquiry, now: datetime) -> bool:
    return inquiry.status in (Status.NEW.value, Status.IN_REVIEW.value) and now - inquiry.created_at > REPLY_TARGET


def _back_to(reference: str) -> Response:
    return redirect(url_for("inquiry", reference=reference) + "#workflow", code=303)


def _flash_form_errors(form) -> None:  # noqa: ANN001
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _register_routes(app: Flask, limiter) -> None:  # noqa: ANN001, C901 - one place for all routes
    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(LOGIN_RATE_LIMIT, methods=["POST"])
    def login():
        if current_user.is_authenticated and request.method == "GET" and not _end_if_inactive():
            return redirect(url_for("inbox"))
        form = LoginForm()
        status = 200
        if form.validate_on_submit():
            database = db()
            client = request.remote_addr or "?"  # the real client's, through ProxyFix when trusted
            username = form.username.data.strip().lower()
            if sign_in_attempts.is_locked(database, username, client):
                # refused before the password is checked, so guessing on tells nothing
                flash(f"Too many failed sign-ins to this account from here. Wait "
                      f"{LOGIN_FAILURE_WINDOW.seconds // 60} minutes and try again.", "error")
                return render_template("login.html", form=form), 429
            coordinator = referrals.authenticate(database, username, form.password.data)
            if coordinator is None:
                failures = sign_in_attempts.record_failure(database, username, client)
                # the typed name is logged only when it is an account's (people type passwords there too)
                known = referrals.get_coordinator(database, username) is not None
                actor = username if known else "unknown-user"
                referrals.record_audit(database, actor, "sign_in_failed")
                if failures == LOGIN_FAILURE_LIMIT:
                    referrals.record_audit(database, actor, "sign_in_locked", details=(
                        f"{failures} failed sign-ins from one address within "
                        f"{LOGIN_FAILURE_WINDOW.seconds // 60} minutes; further ones from there refused"))
                flash("Wrong username or password.", "error")
                status = 401
            else:
                sign_in_attempts.clear_failures(database, username, client)
                target = _safe_next(request.args.get("next"))
                session.clear()  # nothing of the signed-out visit carries over
                login_user(ConsoleUser(coordinator), remember=False)
                session.permanent = True
                session["seen"] = int(time.time())
                current_app.session_interface.regenerate(session)  # no session fixation: a new id
                coordinator.last_sign_in_at = datetime.now(timezone.utc)
                referrals.record_audit(db(), coordinator.username, "signed_in")
                return redirect(target or url_for("inbox"), code=303)
        elif request.method == "POST":
            _flash_form_errors(form)
            status = 400
        return render_template("login.html", form=form), status

    @app.post("/logout")
    def logout():
        if LogoutForm().validate_on_submit():
            referrals.record_audit(db(), current_user.username, "signed_out")
            _end_session()
            flash("You are signed out.", "info")
        return redirect(url_for("login"), code=303)

    @app.get("/")
    def inbox():
        filters, kept = _filters_from_args()
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        database = db()
        total = referrals.count_inquiries(database, filters)
        inquiries = referrals.list_inquiries(database, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        args = {key: value for key, value in request.args.items() if key != "page" and value}
        now = datetime.now(timezone.utc)
        return render_template(
            "inbox.html", inquiries=inquiries, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
            args=args, options=referrals.filter_options(database),
            coordinators=referrals.list_coordinators(database), overdue={i.id for i in inquiries if _is_overdue(i, now)},
            filtered=bool(kept),
        )

    @app.get("/export.csv")
    def export():
        filters, _kept = _filters_from_args()
        text = referrals.export_csv(db(), filters, by=current_user.username)
        stamp = datetime.now(KST).strftime("%Y%m%d-%H%M")
        return Response("\ufeff" + text, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="inquiries-{stamp}.csv"'})

    @app.get("/inquiries/<reference>")
    def inquiry(reference: str):
        canonical = referrals.normalise_reference(reference)
        if canonical is None:
            abort(404)
        if canonical != reference:
            return redirect(url_for("inquiry", reference=canonical))
        database = db()
        try:
            item = referrals.view_inquiry(database, canonical, by=current_user.username)
        except InquiryNotFound:
            abort(404)
        status_form = StatusForm(prefix="status")
        status_form.status.choices = [(s.value, s.short_label) for s in referrals.allowed_statuses(item)]
        coordinators = referrals.list_coordinators(database)
        assign_form = AssignForm(prefix="assign")
        assign_form.assignee.choices = [("", "Nobody")] + [(c.username, c.display_name) for c in coordinators]
        assign_form.assignee.data = item.assigned_to.username if item.assigned_to else ""
        return render_template(
            "inquiry.html", inquiry=item, status_form=status_form, assign_form=assign_form,
            note_form=NoteForm(formdata=None, prefix="note"), reply_form=ReplyForm(formdata=None, prefix="reply"),
            erase_form=EraseForm(formdata=None, prefix="erase"),
            transcript=referrals.transcript(database, item.conversation_id),
            unit=unit_view(current_app.extensions["referrals_engine"], item.recommended_unit_id),
            audit=referrals.audit_entries(database, item.reference, limit=200),
            overdue=_is_overdue(item, datetime.now(timezone.utc)),
        )

    def _change(reference: str, form, action, success: str) -> Response:  # noqa: ANN001
        canonical = referrals.normalise_reference(reference)
        if canonical is None:
            abort(404)
        if not form.validate_on_submit():
            _flash_form_errors(form)
            return _back_to(canonical)
        try:
            action(canonical)
        except InquiryNotFound:
            abort(404)
        except ReferralError as error:
            db().rollback()
            flash(error.message, "error")
        else:
            flash(success, "success")
        return _back_to(canonical)

    @app.post("/inquiries/<reference>/status")
    def change_status(reference: str):
        form = StatusForm(prefix="status")
        return _change(reference, form, lambda ref: referrals.set_status(
            db(), ref, form.status.data, by=current_user.username), "Status changed.")

    @app.post("/inquiries/<reference>/assign")
    def assign(reference: str):
        form = AssignForm(prefix="assign")
        return _change(reference, form, lambda ref: referrals.assign(
            db(), ref, form.assignee.data or None, by=current_user.username), "Assignment saved.")

    @app.post("/inquiries/<reference>/notes")
    def add_note(reference: str):
        form = NoteForm(prefix="note")
        return _change(reference, form, lambda ref: referrals.add_note(
            db(), ref, form.text.data, by=current_user.username), "Note added.")

    @app.post("/inquiries/<reference>/reply")
    def reply(reference: str):
        form = ReplyForm(prefix="reply")
        return _change(reference, form, lambda ref: referrals.reply_to_patient(
            db(), ref, form.text.data, by=current_user.username),
            "Reply saved: the patient sees it when they check their inquiry in the chat.")

    @app.post("/inquiries/<reference>/erase")
    def erase(reference: str):
        form = EraseForm(prefix="erase")
        return _change(reference, form, lambda ref: referrals.erase_personal_data(
            db(), ref, by=current_user.username), "The inquiry's personal data and chat transcript were deleted.")

    @app.get("/audit")
    def audit_log():
        actor = request.args.get("actor", "").strip() or None
        reference = request.args.get("reference", "").strip() or None
        entries = referrals.audit_entries(db(), reference, actor=actor, limit=500)
        return render_template("audit.html", entries=entries, actor=actor or "", reference=reference or "")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("error.html", code=400, title="Form expired or invalid",
                               message="The form was missing its security token or it was not valid. "
                                       "Go back, reload the page and try again."), 400

    @app.errorhandler(429)
    def too_many_requests(_error):  # Flask-Limiter's per-address limit on the sign-in form
        return render_template("error.html", code=429, title="Too many sign-in attempts",
                               message="Too many sign-in attempts came from your address. "
                                       "Wait a few minutes and try again."), 429

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("error.html", code=404, title="Not found",
                               message="There is no such page or inquiry."), 404

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return render_template("error.html", code=405, title="Not allowed",
                               message="This address does not accept that kind of request."), 405

    @app.errorhandler(500)
    def server_error(_error):
        return render_template("error.html", code=500, title="Something went wrong",
                               message="The console could not complete this request. It was logged."), 500
