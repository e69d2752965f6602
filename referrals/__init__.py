"""Referral inquiries: the data layer shared by the chat form (actions/) and the coordinators' console.

The chat form uses the validators (`normalise_email`, `normalise_phone`, `parse_age_or_birth_date`,
`clean_field`), the enums and their labels, `submit_inquiry`, `status_for_patient` and
`delete_personal_data`. The console uses the coordinator-side functions. Tables: `create_schema(engine)`.
"""
from referrals.accounts import (
    MIN_PASSWORD_LENGTH, administrators, authenticate, create_coordinator, list_coordinators, normalise_username,
    queue_of, set_active, set_email, set_password, set_role, set_units,
)
from referrals.access import acting_account, can_open
from referrals.enums import ALLOWED_TRANSITIONS, Relation, Role, StageOfCare, Status, Want, Writer
from referrals.errors import (
    ConsentRequired, InquiryNotFound, InvalidTransition, NotPermitted, PersonalDataDeleted, ReferralError,
    UnknownCoordinator, ValidationError,
)
# imported so that create_schema creates its table too
from referrals.erasures import Erasure
from referrals.export import CSV_COLUMNS, export_csv
from referrals.fields import INQUIRY_FIELDS, FieldSpec, clean_field, clean_inquiry
from referrals.inquiries import (
    PERSONAL_FIELDS, PatientStatus, add_note, allowed_statuses, assign, audit_entries, delete_personal_data,
    erase_personal_data, get_coordinator, get_inquiry, record_audit, reply_to_patient, set_status,
    status_for_patient, submit_inquiry, view_inquiry,
)
from referrals.listing import (
    UNASSIGNED, FilterOptions, InquiryFilter, count_inquiries, filter_options, list_inquiries,
)
from referrals.models import AuditEntry, Coordinator, CoordinatorUnit, Inquiry, Note, create_schema, metadata
# after referrals.inquiries, which they use; imported here so that create_schema creates their tables too
from referrals.access_attempts import AccessFailure, ReferenceLocked
from referrals.submissions import Submission, new_submission_key, submit_once
from notifications.outbox import OutboxMessage  # the outbox table, queued in the referrals' transactions
from referrals.places import (
    COMMON_LANGUAGES, country_name, language_choices, language_name, normalise_country, normalise_language,
)
from referrals.references import REFERENCE_PATTERN, normalise_reference
from referrals.transcript import TranscriptLine, purge_deleted_transcripts, transcript
from referrals.validation import AgeOrBirthDate, normalise_email, normalise_phone, parse_age_or_birth_date

__all__ = [
    "ALLOWED_TRANSITIONS", "AccessFailure", "CoordinatorUnit", "NotPermitted", "OutboxMessage", "Role",
    "acting_account", "administrators", "can_open", "queue_of", "set_email", "set_role", "set_units",
    "AgeOrBirthDate", "AuditEntry", "COMMON_LANGUAGES", "CSV_COLUMNS",
    "ConsentRequired",
    "Coordinator", "Erasure", "FieldSpec", "FilterOptions", "INQUIRY_FIELDS", "Inquiry", "InquiryFilter",
    "InquiryNotFound",
    "InvalidTransition", "MIN_PASSWORD_LENGTH", "Note", "PERSONAL_FIELDS", "PatientStatus", "PersonalDataDeleted",
    "REFERENCE_PATTERN", "ReferenceLocked", "ReferralError", "Relation", "StageOfCare", "Status", "Submission",
    "TranscriptLine", "UNASSIGNED",
    "UnknownCoordinator", "ValidationError", "Want", "Writer", "add_note", "allowed_statuses", "assign",
    "audit_entries", "authenticate", "clean_field", "clean_inquiry", "count_inquiries", "country_name",
    "create_coordinator", "create_schema", "delete_personal_data", "erase_personal_data", "export_csv",
    "filter_options", "get_coordinator", "get_inquiry", "language_choices", "language_name", "list_coordinators",
    "list_inquiries", "metadata", "normalise_country", "normalise_email", "normalise_language",
    "normalise_phone", "normalise_reference", "normalise_username", "parse_age_or_birth_date",
    "purge_deleted_transcripts", "record_audit", "reply_to_patient", "set_active", "set_password", "set_status",
    "new_submission_key", "status_for_patient", "submit_inquiry", "submit_once", "transcript", "view_inquiry",
]
