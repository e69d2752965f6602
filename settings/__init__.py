"""Project-wide configuration, read from the environment and an optional `.env` file.

Every process of the project (knowledge CLI, action server, Rasa's tracker store, the coordinators'
console, the widget server, the tests) reads its settings here, so a variable means the same thing
everywhere. See `.env.example` for the documented list.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The environment wins over `.env`, so CI and one-off overrides (`DATABASE_URL=... make test`) work.
load_dotenv(PROJECT_ROOT / ".env", override=False)


def _int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise SystemExit(f"Setting {name}={raw!r} is not a whole number (see .env.example).") from error


def _positive_int_from_env(name: str, default: int) -> int:
    value = _int_from_env(name, default)
    if value < 1:
        raise SystemExit(f"Setting {name}={value} must be at least 1 (see .env.example).")
    return value


def _flag_from_env(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def default_database_url() -> str:
    """The embedded default: an SQLite file under the checkout, needing no server."""
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'carebot.db'}"


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration; call `load_settings()` again to see changed variables."""

    database_url: str
    rasa_port: int
    action_port: int
    web_port: int
    console_port: int
    allowed_origins: tuple[str, ...]
    console_secret_key: str
    console_session_minutes: int
    console_cookie_secure: bool
    # --- exposure, limits and privacy (see .env.example) ---
    bind_host: str = "127.0.0.1"
    action_server_token: str = ""
    max_message_chars: int = 2000
    max_request_bytes: int = 65536
    database_timeout_seconds: int = 10
    log_retention_days: int = 14
    redis_url: str = ""
    console_trusted_proxies: int = 0
    # --- `make run-cluster` (stack/cluster.py) ---
    rasa_replicas: int = 2
    action_replicas: int = 2
    # --- email and the response-time promise (see .env.example) ---
    smtp_host: str = ""  # empty: no email is sent; the outbox keeps the messages and the console shows them
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # starttls | ssl | none
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "Referral office <referrals@localhost>"
    smtp_timeout_seconds: int = 10
    console_url: str = ""  # the console's address in emails; empty: http://<connect_host>:<console_port>
    response_target_working_days: int = 2
    office_holidays: tuple = ()  # datetime.date values
    digest_hour: int = 9  # Korea time

    @property
    def connect_host(self) -> str:
        """Where this machine's clients reach the services: `bind_host`, or the loopback address when
        the services listen on every interface (0.0.0.0, ::); IPv6 in brackets, ready for a URL."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}.get(self.bind_host, self.bind_host)
        return f"[{host}]" if ":" in host and not host.startswith("[") else host

    @property
    def action_server_url(self) -> str:
        return f"http://{self.connect_host}:{self.action_port}/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.connect_host}:{self.rasa_port}"

    @property
    def console_link(self) -> str:
        """The console's address as a coordinator opens it from an email (no trailing slash)."""
        return self.console_url or f"http://{self.connect_host}:{self.console_port}"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Read the settings from the environment (and `.env`)."""
    web_port = _int_from_env("WEB_PORT", 8080)
    origins_raw = os.environ.get("ALLOWED_ORIGINS", "").strip()
    origins = tuple(o.strip().rstrip("/") for o in origins_raw.split(",") if o.strip()) or (
        f"http://localhost:{web_port}",
        f"http://127.0.0.1:{web_port}",
    )
    if "*" in origins:
        raise SystemExit("ALLOWED_ORIGINS may not contain '*': list the site origins that embed the widget.")
    return Settings(
        database_url=os.environ.get("DATABASE_URL", "").strip() or default_database_url(),
        rasa_port=_int_from_env("RASA_PORT", 5005),
        action_port=_int_from_env("ACTION_PORT", 5055),
        web_port=web_port,
        console_port=_int_from_env("CONSOLE_PORT", 8090),
        allowed_origins=origins,
        console_secret_key=os.environ.get("CONSOLE_SECRET_KEY", "").strip(),
        console_session_minutes=_int_from_env("CONSOLE_SESSION_MINUTES", 60),
        console_cookie_secure=_flag_from_env("CONSOLE_COOKIE_SECURE"),
        bind_host=os.environ.get("BIND_HOST", "").strip() or "127.0.0.1",
        action_server_token=os.environ.get("ACTION_SERVER_TOKEN", "").strip(),
        max_message_chars=_positive_int_from_env("MAX_MESSAGE_CHARS", 2000),
        max_request_bytes=_positive_int_from_env("MAX_REQUEST_BYTES", 65536),
        database_timeout_seconds=_positive_int_from_env("DATABASE_TIMEOUT_SECONDS", 10),
        log_retention_days=_positive_int_from_env("LOG_RETENTION_DAYS", 14),
        redis_url=os.environ.get("REDIS_URL", "").strip(),
        console_trusted_proxies=_int_from_env("CONSOLE_TRUSTED_PROXIES", 0),
        rasa_replicas=_positive_int_from_env("RASA_REPLICAS", 2),
        action_replicas=_positive_int_from_env("ACTION_REPLICAS", 2),
        **_email_settings(),
    )


def _email_settings() -> dict:
    """SMTP_*, CONSOLE_URL, RESPONSE_TARGET_WORKING_DAYS, OFFICE_HOLIDAYS, DIGEST_HOUR."""
    from datetime import date  # noqa: PLC0415

    tls = os.environ.get("SMTP_TLS", "").strip().lower() or "starttls"
    if tls not in ("starttls", "ssl", "none"):
        raise SystemExit(f"Setting SMTP_TLS={tls!r} must be starttls, ssl or none (see .env.example).")
    holidays = []
    for raw in os.environ.get("OFFICE_HOLIDAYS", "").replace(";", ",").split(","):
        if raw.strip():
            try:
                holidays.append(date.fromisoformat(raw.strip()))
            except ValueError as error:
                raise SystemExit(f"OFFICE_HOLIDAYS: {raw.strip()!r} is not a date like 2026-12-25.") from error
    digest_hour = _int_from_env("DIGEST_HOUR", 9)
    if not 0 <= digest_hour <= 23:
        raise SystemExit(f"Setting DIGEST_HOUR={digest_hour} must be 0 to 23 (see .env.example).")
    return dict(
        smtp_host=os.environ.get("SMTP_HOST", "").strip(),
        smtp_port=_positive_int_from_env("SMTP_PORT", 465 if tls == "ssl" else 587),
        smtp_tls=tls,
        smtp_user=os.environ.get("SMTP_USER", "").strip(),
        smtp_password=os.environ.get("SMTP_PASSWORD", ""),
        smtp_sender=os.environ.get("SMTP_SENDER", "").strip() or "Referral office <referrals@localhost>",
        smtp_timeout_seconds=_positive_int_from_env("SMTP_TIMEOUT_SECONDS", 10),
        console_url=os.environ.get("CONSOLE_URL", "").strip().rstrip("/"),
        response_target_working_days=_positive_int_from_env("RESPONSE_TARGET_WORKING_DAYS", 2),
        office_holidays=tuple(sorted(holidays)),
        digest_hour=digest_hour,
    )
