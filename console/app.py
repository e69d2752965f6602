"""The coordinators' console: a Flask application over the `referrals` API.

Every page and action requires a signed-in account (sign-in is the only exception, and the stylesheet);
every POST form carries a Flask-WTF CSRF token; a session ends after `CONSOLE_SESSION_MINUTES` without a
request, at sign-out, and when the account's password changes or the account is deactivated
(`console.auth`). Coordinators work their units' queues, administrators everything plus the accounts,
the audit log and the outbox (`referrals.access`). Views, lists, searches, exports and changes are
audited by `referrals`.

The routes live by responsibility: `console.auth` (sign-in), `console.inquiry_views` (inbox, export,
inquiry page, workflow), `console.admin_views` (accounts, audit log, outbox).
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import referrals
from console import sessions, sign_in_attempts
from console.admin_views import register_admin_routes
from console.auth import init_auth, register_auth_routes
from console.context import close_db, register_template_helpers
from console.inquiry_views import register_inquiry_routes
from settings import load_settings
from settings.database import shared_engine

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


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

    init_auth(app)  # before CSRFProtect, so a signed-out POST is sent to the sign-in page (not a 400)
    CSRFProtect(app)
    app.teardown_appcontext(close_db)
    app.after_request(_security_headers)
    register_template_helpers(app)
    register_auth_routes(app, limiter)
    register_inquiry_routes(app)
    register_admin_routes(app)
    _register_errors(app)
    return app


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("error.html", code=400, title="Form expired or invalid",
                               message="The form was missing its security token or it was not valid. "
                                       "Go back, reload the page and try again."), 400

    @app.errorhandler(403)
    def forbidden(_error):
        return render_template("error.html", code=403, title="Administrators only",
                               message="This page is for administrators."), 403

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
