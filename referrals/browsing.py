"""Audited reading: the inbox list and search, and the audit log itself.

Every list a person looks at is recorded ("listed", or "searched" when it has search words; the words
themselves are not recorded, they may be personal data), and so is every reading of the audit log, which
only administrators (and the command line) may read whole. Single inquiries are audited by
`view_inquiry`, exports by `export_csv`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from referrals.access import acting_account, require_administrator
from referrals.inquiries import audit_entries, record_audit
from referrals.listing import InquiryFilter, count_inquiries, list_inquiries
from referrals.models import AuditEntry, Coordinator, Inquiry


@dataclass(frozen=True)
class Listing:
    """One page of a list, with who looked."""

    inquiries: list[Inquiry]
    total: int
    viewer: Coordinator | None  # None: a command-line operator


def browse(session: Session, filters: InquiryFilter | None = None, *, by: str, order: str = "due",
           limit: int | None = None, offset: int = 0) -> Listing:
    """The inquiries `by` may see that match `filters` (a coordinator: their queues; see
    `referrals.access`), audited as listed or searched."""
    viewer = acting_account(session, by)
    filters = (filters or InquiryFilter()).normalised()
    inquiries = list_inquiries(session, filters, limit=limit, offset=offset, viewer=viewer, order=order)
    total = count_inquiries(session, filters, viewer=viewer) if limit is not None else len(inquiries)
    page = f"; from {offset + 1}" if offset else ""
    record_audit(session, by, "searched" if filters.search else "listed",
                 details=f"{total} inquiries; {filters.describe()}{page}")
    return Listing(inquiries, total, viewer)


def read_audit_log(session: Session, *, by: str, reference: str | None = None, actor: str | None = None,
                   limit: int = 500) -> list[AuditEntry]:
    """The audit log (newest first, optionally of one inquiry or one actor): administrators and the
    command line only (`NotPermitted` otherwise, itself audited). The reading is audited."""
    account = acting_account(session, by)
    try:
        require_administrator(account, "read_audit_log")
    except Exception:
        record_audit(session, by, "audit_log_refused")
        raise
    entries = audit_entries(session, reference, actor=actor, limit=limit)
    what = ", ".join(part for part in (f"reference={reference}" if reference else "",
                                        f"actor={actor}" if actor else "") if part) or "no filter"
    record_audit(session, by, "audit_log_read", details=f"{len(entries)} entries; {what}")
    return entries
