"""CSV export of a filtered list of inquiries (audited)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from typing import Any, TextIO

from sqlalchemy.orm import Session


from referrals.access import acting_account
from referrals.inquiries import record_audit
from referrals.listing import InquiryFilter, list_inquiries
from referrals.models import Inquiry
from referrals.names import Names, names
from referrals.places import country_name

CSV_COLUMNS = (
    "reference", "submitted_at", "updated_at", "status", "assigned_to", "writer", "relation", "writer_name",
    "patient_name", "age", "birth_date", "country", "country_name", "language", "chat_language", "diagnosis", "condition_id",
    "condition_name", "recommended_unit_id", "recommended_unit_name", "stage", "wants", "treatment_history",
    "questions", "has_records", "has_pathology", "has_imaging", "travel_plans", "contact_email", "contact_phone", "consent_given_at", "replied_at",
    "replied_by", "personal_data_deleted_at",
)
_E164 = re.compile(r"^\+\d{7,15}$")


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _E164.match(text):
        return "'" + text
    return text


def inquiry_row(inquiry: Inquiry, known: Names | None = None) -> dict[str, str]:
    """One CSV row: the stored ids and, beside them, the names people read (`known`; the id again when
    the knowledge store does not know it)."""
    known = known or Names()
    values = {
        "reference": inquiry.reference,
        "submitted_at": inquiry.created_at,
        "updated_at": inquiry.updated_at,
        "status": inquiry.status,
        "assigned_to": inquiry.assigned_to.username if inquiry.assigned_to else None,
        "writer": inquiry.writer,
        "relation": inquiry.relation,
        "writer_name": inquiry.writer_name,
        "patient_name": inquiry.patient_name,
        "age": inquiry.age,
        "birth_date": inquiry.birth_date,
        "country": inquiry.country,
        "country_name": country_name(inquiry.country),
        "language": inquiry.language,
        "chat_language": inquiry.chat_language,
        "diagnosis": inquiry.diagnosis,
        "condition_id": inquiry.condition_id,
        "condition_name": known.condition(inquiry.condition_id),
        "recommended_unit_id": inquiry.recommended_unit_id,
        "recommended_unit_name": known.unit_full(inquiry.recommended_unit_id),
        "stage": inquiry.stage,
        "wants": ";".join(inquiry.wants or []),
        "treatment_history": inquiry.treatment_history,
        "questions": inquiry.questions,
        "has_records": inquiry.has_records,
        "has_pathology": inquiry.has_pathology,
        "has_imaging": inquiry.has_imaging,
        "travel_plans": inquiry.travel_plans,
        "contact_email": inquiry.contact_email,
        "contact_phone": inquiry.contact_phone,
        "consent_given_at": inquiry.consent_given_at,
        "replied_at": inquiry.replied_at,
        "replied_by": inquiry.replied_by.username if inquiry.replied_by else None,
        "personal_data_deleted_at": inquiry.personal_data_deleted_at,
    }
    return {column: _cell(values[column]) for column in CSV_COLUMNS}


def export_csv(session: Session, filters: InquiryFilter | None = None, *, by: str,
               out: TextIO | None = None) -> str | None:
    """Write the inquiries matching `filters` that `by` may see (a coordinator: their queues), newest
    first, as CSV, header first, to `out`, or return the text when `out` is None. Audited as an export by
    `by` (the filters, never the search words)."""
    inquiries = list_inquiries(session, filters, viewer=acting_account(session, by))
    known = names(session.get_bind())
    target = out if out is not None else io.StringIO()
    writer = csv.DictWriter(target, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for inquiry in inquiries:
        writer.writerow(inquiry_row(inquiry, known))
    record_audit(session, by, "exported",
                 details=f"{len(inquiries)} inquiries; {(filters or InquiryFilter()).describe()}")
    return target.getvalue() if out is None else None


