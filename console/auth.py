"""Signing in and out, and the checks every request passes: a signed-in account whose password has not
changed since, a session not ended and not idle for longer than `CONSOLE_SESSION_MINUTES`.

Sessions are kept on the server (`console.sessions`); failed sign-ins are throttled per account and
client address (`console.sign_in_attempts`).
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

import referrals
from console import sessions, sign_in_attempts
from console.context import db, flash_form_errors
from console.forms import LoginForm, LogoutForm
from console.sign_in_attempts import LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW, LOGIN_RATE_LIMIT
from referrals import Coordinator

PUBLIC_ENDPOINTS = frozenset({"login", "static"})


class ConsoleUser(UserMixin):
    """The signed-in account. The user id kept in the session includes a fingerprint of the password
    hash, so a password change (the CLI's `set-password`) or a deactivation ends every session of the
    account at its next request, wherever the session is stored. The role and units are read again at
    every request, so a change by an administrator applies at once."""

    def __init__(self, coordinator: Coordinator) -> None:
        self.coordinator_id = coordinator.id
        self.username = coordinator.username
        self.display_name = coordinator.display_name
        self.is_administrator = coordinator.is_administrator
        self.unit_ids = coordinator.unit_ids
        self.id = f"{coordinator.id}:{_fingerprint(coordinator)}"

    def get_id(self) -> str:
        return self.id


def _fingerprint(coordinator: Coordinator) -> str:
    return hashlib.sha256(coordinator.password_hash.encode()).hexdigest()[:16]


def init_auth(app: Flask) -> None:
    """The login manager and the sign-in check before every request (registered before CSRFProtect, so
    a signed-out POST is sent to the sign-in page rather than answered 400)."""
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

    app.before_request(_require_sign_in)


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


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no protocol-relative `//`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def register_auth_routes(app: Flask, limiter) -> None:  # noqa: ANN001
    """/login and /logout."""

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
            flash_form_errors(form)
            status = 400
        return render_template("login.html", form=form), status

    @app.post("/logout")
    def logout():
        if LogoutForm().validate_on_submit():
            referrals.record_audit(db(), current_user.username, "signed_out")
            _end_session()
            flash("You are signed out.", "info")
        return redirect(url_for("login"), code=303)
