"""Coordinator accounts: creation with hashed passwords (werkzeug's scrypt), authentication."""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from referrals.errors import ValidationError
from referrals.inquiries import get_coordinator, record_audit
from referrals.models import Coordinator, utcnow

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when the username does not exist, so a wrong username costs as much as a wrong password."""
    return generate_password_hash("not a real password, only for timing")


def normalise_username(username: str) -> str:
    value = (username or "").strip().lower()
    if not _USERNAME.match(value):
        raise ValidationError("A username has 2 to 40 characters: letters, digits, dot, dash or underscore, "
                              "starting with a letter or digit.", field="username")
    return value


def check_password_rules(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if password.strip() != password or len(password) > 200:
        raise ValidationError("A password may not start or end with spaces or be longer than 200 characters.",
                              field="password")


def create_coordinator(session: Session, username: str, password: str, display_name: str | None = None) -> Coordinator:
    """Create an active account; `ValidationError` for a taken or malformed username or a weak password."""
    name = normalise_username(username)
    check_password_rules(password)
    display = " ".join((display_name or "").split())[:120] or name
    if get_coordinator(session, name) is not None:
        raise ValidationError(f"The username {name!r} is taken.", field="username")
    coordinator = Coordinator(username=name, display_name=display, password_hash=generate_password_hash(password),
                              active=True, created_at=utcnow())
    session.add(coordinator)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise ValidationError(f"The username {name!r} is taken.", field="username") from error
    record_audit(session, "system", "account_created", details=f"coordinator {name}", commit=False)
    session.commit()
    return coordinator


def authenticate(session: Session, username: str, password: str) -> Coordinator | None:
    """The active account with this username and password, or None (same cost either way)."""
    coordinator = get_coordinator(session, username) if isinstance(username, str) else None
    password = password if isinstance(password, str) else ""
    if coordinator is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(coordinator.password_hash, password) or not coordinator.active:
        return None
    return coordinator


def set_password(session: Session, username: str, password: str) -> Coordinator:
    coordinator = _existing(session, username)
    check_password_rules(password)
    coordinator.password_hash = generate_password_hash(password)
    record_audit(session, "system", "password_changed", details=f"coordinator {coordinator.username}", commit=False)
    session.commit()
    return coordinator


def set_active(session: Session, username: str, active: bool) -> Coordinator:
    coordinator = _existing(session, username)
    coordinator.active = bool(active)
    record_audit(session, "system", "account_activated" if active else "account_deactivated",
                 details=f"coordinator {coordinator.username}", commit=False)
    session.commit()
    return coordinator


def list_coordinators(session: Session, *, include_inactive: bool = False) -> list[Coordinator]:
    query = select(Coordinator).order_by(Coordinator.display_name, Coordinator.username)
    if not include_inactive:
        query = query.where(Coordinator.active.is_(True))
    return list(session.execute(query).scalars())


def _existing(session: Session, username: str) -> Coordinator:
    coordinator = get_coordinator(session, username)
    if coordinator is None:
        raise ValidationError(f"There is no coordinator with the username {username!r}.", field="username")
    return coordinator
