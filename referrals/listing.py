"""Lists of inquiries: the filters and search of the inbox and exports, the orders (newest first, or
by the time left to answer), restricted to what the viewing account may see (`referrals.access`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from referrals import references
from referrals.access import visible_condition
from referrals.enums import Status
from referrals.models import Coordinator, Inquiry, Note
from referrals.places import normalise_country, normalise_language

UNASSIGNED = "-"


@dataclass
class InquiryFilter:
    """Filters for the inbox and exports; empty values do not filter. `assigned_to` is a username or
    `UNASSIGNED` ('-'); `search` matches every word against the reference, names, diagnosis, contact
    details, ids, free-text answers and notes (ASCII letters case-insensitively)."""

    status: str | Status | None = None
    unit: str | None = None
    country: str | None = None
    language: str | None = None
    search: str | None = None
    assigned_to: str | None = None

    def normalised(self) -> "InquiryFilter":
        """Validated copy (country and language to codes); `ValidationError` for unusable values."""
        return InquiryFilter(
            status=Status.parse(self.status, field="status").value if self.status else None,
            unit=(self.unit or "").strip() or None,
            country=normalise_country(self.country) if self.country else None,
            language=normalise_language(self.language) if self.language else None,
            search=" ".join((self.search or "").split())[:200] or None,
            assigned_to=(self.assigned_to or "").strip().lower() or None,
        )

    def describe(self) -> str:
        """The filters for an audit row (the search words themselves may be personal data, so not those)."""
        parts = [f"{name}={value}" for name, value in (
            ("status", self.status), ("unit", self.unit), ("country", self.country),
            ("language", self.language), ("assigned", self.assigned_to)) if value]
        if self.search:
            parts.append("search=(hidden)")
        return ", ".join(parts) or "no filter"


def _like(column: Any, term: str) -> Any:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(func.lower(f"%{escaped}%"), escape="\\")


def _filtered(query: Any, filters: InquiryFilter | None, viewer: Coordinator | None = None) -> Any:
    query = query.where(visible_condition(viewer))
    if filters is None:
        return query
    f = filters.normalised()
    if f.status:
        query = query.where(Inquiry.status == f.status)
    if f.unit:
        query = query.where(Inquiry.recommended_unit_id == f.unit)
    if f.country:
        query = query.where(Inquiry.country == f.country)
    if f.language:
        query = query.where(Inquiry.language == f.language)
    if f.assigned_to == UNASSIGNED:
        query = query.where(Inquiry.assigned_to_id.is_(None))
    elif f.assigned_to:
        query = query.where(Inquiry.assigned_to_id.in_(
            select(Coordinator.id).where(Coordinator.username == f.assigned_to)))
    for term in (f.search or "").split():
        options = [_like(column, term) for column in (
            Inquiry.reference, Inquiry.patient_name, Inquiry.writer_name, Inquiry.diagnosis,
            Inquiry.contact_email, Inquiry.conversation_id, Inquiry.condition_id, Inquiry.recommended_unit_id,
            Inquiry.treatment_history, Inquiry.questions, Inquiry.travel_plans)]
        options.append(Inquiry.notes.any(_like(Note.text, term)))
        canonical = references.normalise_reference(term)
        if canonical:
            options.append(Inquiry.reference == canonical)
        digits = re.sub(r"[^\d]", "", term)
        if len(digits) >= 3 and re.fullmatch(r"[\d+\-().]+", term):
            options.append(Inquiry.contact_phone.like(f"%{digits}%"))
        query = query.where(or_(*options))
    return query


OPEN = (Status.NEW.value, Status.IN_REVIEW.value)
ORDERS = ("due", "newest")


def list_inquiries(session: Session, filters: InquiryFilter | None = None, *, limit: int | None = None,
                   offset: int = 0, viewer: Coordinator | None = None, order: str = "newest") -> list[Inquiry]:
    """Inquiries matching `filters` that `viewer` may see (all for None), newest first; with
    `order="due"` the open ones first, the least time left first (the deadline grows with the arrival
    time, see `referrals.deadlines`), then the others newest first."""
    query = _filtered(select(Inquiry), filters, viewer)
    if order == "due":
        is_open = Inquiry.status.in_(OPEN) & Inquiry.personal_data_deleted_at.is_(None)
        query = query.order_by(case((is_open, 0), else_=1), case((is_open, Inquiry.created_at), else_=None).asc(),
                               Inquiry.created_at.desc(), Inquiry.id.desc())
    else:
        query = query.order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return list(session.execute(query).unique().scalars())


def count_inquiries(session: Session, filters: InquiryFilter | None = None, *,
                    viewer: Coordinator | None = None) -> int:
    """How many inquiries match `filters` among those `viewer` may see."""
    query = _filtered(select(func.count()).select_from(Inquiry), filters, viewer)
    return int(session.execute(query).scalar_one())


@dataclass(frozen=True)
class FilterOptions:
    """The values present in the store, for the inbox's select boxes."""

    units: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


def filter_options(session: Session, viewer: Coordinator | None = None) -> FilterOptions:
    """The units, countries and languages present among the inquiries `viewer` may see."""
    def distinct(column: Any) -> list[str]:
        rows = session.execute(select(column).where(column.isnot(None)).where(visible_condition(viewer))
                               .distinct().order_by(column))
        return [value for (value,) in rows if value]

    return FilterOptions(units=distinct(Inquiry.recommended_unit_id), countries=distinct(Inquiry.country),
                         languages=distinct(Inquiry.language))


