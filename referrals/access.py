"""Who may see and change which inquiries: roles and unit queues.

- An administrator sees every inquiry, manages the accounts and reads the whole audit log.
- A coordinator works the queues of the units assigned to them: the inquiries recommended to one of
  their units, those assigned to them personally, and the general queue of inquiries the chat could not
  route to a unit (someone has to triage those). Any other inquiry is refused, by URL too.
- A command-line operator (actor `cli:<login name>` or `system`) has the database in hand anyway and is
  not restricted; naming an account with `--by` applies that account's role.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, true
from sqlalchemy.orm import Session

from referrals.errors import NotPermitted, UnknownCoordinator
from referrals.models import Coordinator, Inquiry

OPERATOR_PREFIXES = ("cli", "system")


def is_operator(actor: str) -> bool:
    """An actor name of the command line or the system rather than of an account."""
    return any(actor == prefix or actor.startswith(prefix + ":") for prefix in OPERATOR_PREFIXES)


def acting_account(session: Session, by: str) -> Coordinator | None:
    """The active account named `by`, or None for a command-line operator (unrestricted);
    `UnknownCoordinator` for any other name."""
    from referrals.inquiries import get_coordinator  # noqa: PLC0415 - inquiries imports this module

    if is_operator(by or ""):
        return None
    account = get_coordinator(session, by)
    if account is None or not account.active:
        raise UnknownCoordinator(by)
    return account


def visible_condition(account: Coordinator | None) -> Any:
    """The SQL condition on `Inquiry` that selects what `account` may see (everything for None or an
    administrator)."""
    if account is None or account.is_administrator:
        return true()
    units = account.unit_ids
    return or_(
        Inquiry.recommended_unit_id.in_(units) if units else false(),
        Inquiry.recommended_unit_id.is_(None),
        Inquiry.assigned_to_id == account.id,
    )


def can_open(account: Coordinator | None, inquiry: Inquiry) -> bool:
    """Whether `account` may open (and work on) this inquiry; the same rule as `visible_condition`."""
    if account is None or account.is_administrator:
        return True
    return (inquiry.recommended_unit_id is None or inquiry.recommended_unit_id in account.unit_ids
            or inquiry.assigned_to_id == account.id)


def require_can_open(account: Coordinator | None, inquiry: Inquiry) -> None:
    """`NotPermitted` unless `account` may open the inquiry."""
    if not can_open(account, inquiry):
        raise NotPermitted("referral.other_units_queue", reference=inquiry.reference)


# What only an administrator may do, as the ids of the refusals' messages name it.
ADMINISTRATOR_TASKS = ("manage_accounts", "read_audit_log")


def require_administrator(account: Coordinator | None, task: str) -> None:
    """`NotPermitted` unless `account` is an administrator (or None: a command-line operator). `task`:
    what was refused, `manage_accounts` or `read_audit_log` (message `referral.administrators_only.<task>`)."""
    if account is not None and not account.is_administrator:
        raise NotPermitted(f"referral.administrators_only.{task}")
