"""Console accounts: creation with hashed passwords (werkzeug's scrypt), authentication, roles, the
units whose queue a coordinator works, and the email address notifications go to.

Changes name the acting person with `by` (an administrator's username, or the command line's
`cli:<login name>`); a coordinator account is refused (`NotPermitted`), see `referrals.access`."""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from referrals.access import acting_account, require_administrator
from referrals.enums import Role
from referrals.errors import ValidationError
from referrals.inquiries import get_coordinator, record_audit
from referrals.models import Coordinator, CoordinatorUnit, utcnow
from referrals.validation import normalise_email

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
_UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,99}$")
SYSTEM = "system"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when the username does not exist, so a wrong username costs as much as a wrong password."""
    return generate_password_hash("not a real password, only for timing")


def normalise_username(username: str) -> str:
    value = (username or "").strip().lower()
    if not _USERNAME.match(value):
        raise ValidationError("referral.invalid.username", field="username")
    return value


def check_password_rules(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("referral.invalid.password_short", field="password", min_length=MIN_PASSWORD_LENGTH)
    if password.strip() != password or len(password) > 200:
        raise ValidationError("referral.invalid.password_form", field="password")


def create_coordinator(session: Session, username: str, password: str, display_name: str | None = None, *,
                       role: Role | str | None = None, email: str | None = None, units: tuple[str, ...] = (),
                       by: str = SYSTEM) -> Coordinator:
    """Create an active account; `ValidationError` for a taken or malformed username, a weak password,
    a malformed email or unit id. Without `role`, the first account of a database with no active
    administrator becomes one (so a new office is never locked out of managing accounts); every later
    account is a coordinator."""
    _manager(session, by)
    name = normalise_username(username)
    check_password_rules(password)
    display = " ".join((display_name or "").split())[:120] or name
    if role is None:
        role = Role.COORDINATOR if _has_administrator(session) else Role.ADMINISTRATOR
    role = Role.parse(role, field="role")
    address = normalise_email(email) if email else None
    unit_ids = _unit_ids(units)
    if get_coordinator(session, name) is not None:
        raise ValidationError("referral.invalid.username_taken", field="username", username=name)
    coordinator = Coordinator(username=name, display_name=display, password_hash=generate_password_hash(password),
                              active=True, created_at=utcnow(), role=role.value, email=address,
                              unit_rows=[CoordinatorUnit(unit_id=unit) for unit in unit_ids])
    session.add(coordinator)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise ValidationError("referral.invalid.username_taken", field="username", username=name) from error
    record_audit(session, _actor(by), "account_created", commit=False,
                 details=f"{role.value} {name}" + (f"; units {', '.join(unit_ids)}" if unit_ids else ""))
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


def set_password(session: Session, username: str, password: str, *, by: str = SYSTEM) -> Coordinator:
    """Change the password (every session of the account ends at its next request)."""
    _manager(session, by)
    coordinator = _existing(session, username)
    check_password_rules(password)
    coordinator.password_hash = generate_password_hash(password)
    record_audit(session, _actor(by), "password_changed", details=f"coordinator {coordinator.username}", commit=False)
    session.commit()
    return coordinator


def set_active(session: Session, username: str, active: bool, *, by: str = SYSTEM) -> Coordinator:
    """Activate or deactivate the account (deactivation ends its sessions)."""
    _manager(session, by)
    coordinator = _existing(session, username)
    coordinator.active = bool(active)
    record_audit(session, _actor(by), "account_activated" if active else "account_deactivated",
                 details=f"coordinator {coordinator.username}", commit=False)
    session.commit()
    return coordinator


def set_role(session: Session, username: str, role: Role | str, *, by: str = SYSTEM) -> Coordinator:
    """Make the account a coordinator or an administrator."""
    _manager(session, by)
    coordinator = _existing(session, username)
    new = Role.parse(role, field="role")
    if coordinator.role != new.value:
        record_audit(session, _actor(by), "role_changed", commit=False,
                     details=f"coordinator {coordinator.username}: {coordinator.role} -> {new.value}")
        coordinator.role = new.value
    session.commit()
    return coordinator


def set_units(session: Session, username: str, units: tuple[str, ...] | list[str], *, by: str = SYSTEM) -> Coordinator:
    """Replace the units whose queue the account works (knowledge-store unit ids)."""
    _manager(session, by)
    coordinator = _existing(session, username)
    unit_ids = _unit_ids(units)
    if tuple(sorted(coordinator.unit_ids)) != unit_ids:
        # removed and added one by one: replacing the whole list would insert before it deletes, and a
        # kept unit would collide with itself on the unique pair
        for row in [row for row in coordinator.unit_rows if row.unit_id not in unit_ids]:
            coordinator.unit_rows.remove(row)
        session.flush()
        coordinator.unit_rows.extend(CoordinatorUnit(unit_id=unit) for unit in unit_ids
                                     if unit not in coordinator.unit_ids)
        record_audit(session, _actor(by), "units_changed", commit=False,
                     details=f"coordinator {coordinator.username}: {', '.join(unit_ids) or 'none'}")
    session.commit()
    return coordinator


def set_email(session: Session, username: str, email: str | None, *, by: str = SYSTEM) -> Coordinator:
    """Set (or with None/'' remove) the address notifications and digests go to."""
    _manager(session, by)
    coordinator = _existing(session, username)
    coordinator.email = normalise_email(email) if email else None
    record_audit(session, _actor(by), "email_changed", details=f"coordinator {coordinator.username}", commit=False)
    session.commit()
    return coordinator


def list_coordinators(session: Session, *, include_inactive: bool = False) -> list[Coordinator]:
    """The accounts by display name (active ones unless `include_inactive`)."""
    query = select(Coordinator).order_by(Coordinator.display_name, Coordinator.username)
    if not include_inactive:
        query = query.where(Coordinator.active.is_(True))
    return list(session.execute(query).scalars())


def queue_of(session: Session, unit_id: str | None) -> list[Coordinator]:
    """The active accounts that work this unit's queue (no one for None)."""
    if not unit_id:
        return []
    query = (select(Coordinator).join(CoordinatorUnit).where(CoordinatorUnit.unit_id == unit_id)
             .where(Coordinator.active.is_(True)).order_by(Coordinator.username))
    return list(session.execute(query).unique().scalars())


def administrators(session: Session) -> list[Coordinator]:
    """The active administrators."""
    query = (select(Coordinator).where(Coordinator.role == Role.ADMINISTRATOR.value)
             .where(Coordinator.active.is_(True)).order_by(Coordinator.username))
    return list(session.execute(query).scalars())


def _has_administrator(session: Session) -> bool:
    return bool(administrators(session))


def _manager(session: Session, by: str) -> None:
    """Only an administrator (or the command line) manages accounts."""
    if by != SYSTEM:
        require_administrator(acting_account(session, by), "manage_accounts")


def _actor(by: str) -> str:
    return by or SYSTEM


def _unit_ids(units: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    cleaned = sorted({(unit or "").strip() for unit in units if (unit or "").strip()})
    for unit in cleaned:
        if not _UNIT_ID.match(unit):
            raise ValidationError("referral.invalid.unit_id", field="units", unit=unit)
    return tuple(cleaned)


def _existing(session: Session, username: str) -> Coordinator:
    coordinator = get_coordinator(session, username)
    if coordinator is None:
        raise ValidationError("referral.invalid.no_such_coordinator", field="username", username=username)
    return coordinator
