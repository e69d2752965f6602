"""The referral tables (prefixed `referral_`, on their own MetaData). Times are stored as UTC and read
back as timezone-aware UTC datetimes on every backend."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from referrals.enums import Relation, Role, StageOfCare, Status, Writer

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
Base = declarative_base(metadata=metadata)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC (the same on SQLite and PostgreSQL), returned as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Coordinator(Base):
    """A console account: an international coordinator (works the queues of their units) or an
    administrator (every inquiry, the accounts, the whole audit log). `email` receives the arrival
    notifications and the overdue digest."""

    __tablename__ = "referral_coordinators"
    __table_args__ = (CheckConstraint(_in("role", Role.values()), name="role"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(40), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_sign_in_at = Column(UTCDateTime)
    # added after the first release: referrals.schema_upgrade adds them to an existing table
    role = Column(String(20), nullable=False, default=Role.COORDINATOR.value)
    email = Column(String(254))

    unit_rows = relationship("CoordinatorUnit", cascade="all, delete-orphan", lazy="selectin",
                             order_by="CoordinatorUnit.unit_id")

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR.value

    @property
    def unit_ids(self) -> tuple[str, ...]:
        """The knowledge-store unit ids whose queue this account works."""
        return tuple(row.unit_id for row in self.unit_rows)

    def __repr__(self) -> str:
        return f"<Coordinator {self.username} {self.role}>"


class CoordinatorUnit(Base):
    """One unit (knowledge-store unit id) in a coordinator's queue."""

    __tablename__ = "referral_coordinator_units"
    __table_args__ = (UniqueConstraint("coordinator_id", "unit_id", name="uq_referral_coordinator_units_pair"),)

    id = Column(Integer, primary_key=True)
    coordinator_id = Column(Integer, ForeignKey("referral_coordinators.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    unit_id = Column(String(100), nullable=False, index=True)


class Inquiry(Base):
    """One referral inquiry sent through the chat."""

    __tablename__ = "referral_inquiries"
    __table_args__ = (
        CheckConstraint(_in("status", Status.values()), name="status"),
        CheckConstraint(_in("writer", Writer.values()), name="writer"),
        CheckConstraint(f"relation IS NULL OR {_in('relation', Relation.values())}", name="relation"),
        CheckConstraint(_in("stage", StageOfCare.values()), name="stage"),
        CheckConstraint("personal_data_deleted_at IS NOT NULL OR consent_given_at IS NOT NULL", name="consent"),
        Index("ix_referral_inquiries_created_at", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    conversation_id = Column(String(255), index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
    status = Column(String(20), nullable=False, default=Status.NEW.value, index=True)
    assigned_to_id = Column(Integer, ForeignKey("referral_coordinators.id"), index=True)

    # who writes, and about whom
    writer = Column(String(20), nullable=False)
    relation = Column(String(30))
    writer_name = Column(String(200))
    patient_name = Column(String(200))
    age = Column(Integer)
    birth_date = Column(Date)
    country = Column(String(2), nullable=False, index=True)
    language = Column(String(8), nullable=False, index=True)
    # the language the patient wrote the chat in (languages.LANGUAGES), which may differ from the
    # preferred language for the coordinators' reply; None for inquiries from before it was kept
    chat_language = Column(String(8))

    # the medical question
    diagnosis = Column(Text)
    condition_id = Column(String(100))
    recommended_unit_id = Column(String(100), index=True)
    stage = Column(String(40), nullable=False)
    wants = Column(JSON, nullable=False, default=list)
    treatment_history = Column(Text)
    questions = Column(Text)
    has_records = Column(Boolean)
    has_pathology = Column(Boolean)
    has_imaging = Column(Boolean)
    travel_plans = Column(Text)

    # how to answer, and the permission to keep all this
    contact_email = Column(String(254))
    contact_phone = Column(String(16))
    consent_given_at = Column(UTCDateTime)
    consent_version = Column(String(40))

    reply_text = Column(Text)
    replied_by_id = Column(Integer, ForeignKey("referral_coordinators.id"))
    replied_at = Column(UTCDateTime)
    personal_data_deleted_at = Column(UTCDateTime)

    assigned_to = relationship(Coordinator, foreign_keys=[assigned_to_id], lazy="joined")
    replied_by = relationship(Coordinator, foreign_keys=[replied_by_id], lazy="joined")
    notes = relationship("Note", back_populates="inquiry", order_by="Note.created_at, Note.id",
                         cascade="all, delete-orphan")

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def is_deleted(self) -> bool:
        return self.personal_data_deleted_at is not None

    def __repr__(self) -> str:
        return f"<Inquiry {self.reference} {self.status}>"


class Note(Base):
    """An internal note on an inquiry; never shown to the patient."""

    __tablename__ = "referral_notes"

    id = Column(Integer, primary_key=True)
    inquiry_id = Column(Integer, ForeignKey("referral_inquiries.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id = Column(Integer, ForeignKey("referral_coordinators.id"))
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    inquiry = relationship(Inquiry, back_populates="notes")
    author = relationship(Coordinator, lazy="joined")


class AuditEntry(Base):
    """Who viewed or changed which inquiry (or signed in, or exported), when and what. `details` never
    holds personal data, so the log survives the deletion of an inquiry's personal data unchanged."""

    __tablename__ = "referral_audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor = Column(String(80), nullable=False, index=True)
    action = Column(String(40), nullable=False)
    inquiry_id = Column(Integer, ForeignKey("referral_inquiries.id"), index=True)
    reference = Column(String(16))
    details = Column(Text)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.reference or ''}>"


def create_schema(engine: Engine) -> None:
    """Create the referral tables that are missing and add the columns an older release lacked
    (`referrals.schema_upgrade`). Safe to call from several processes starting at
    once: a creation that loses the race to another process is retried once the other one is done."""
    from referrals.schema_upgrade import upgrade_schema  # noqa: PLC0415 - it reads this module's metadata

    for attempt in range(3):
        try:
            metadata.create_all(engine, checkfirst=True)
            upgrade_schema(engine)
            return
        except DBAPIError:
            if attempt == 2:
                raise
            time.sleep(0.5)
