"""The closed sets of values an inquiry uses, each with a label a patient understands.

Every enum is a `str` enum: members compare equal to their stored value (`Status.NEW == "new"`), and
`Enum.parse(x)` accepts a member, its value or its label (case-insensitive) and raises a
`ValidationError` listing the allowed labels otherwise. `Enum.choices()` gives `(value, label)` pairs
for buttons and select boxes.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from referrals.errors import ValidationError

E = TypeVar("E", bound="LabelledEnum")


class LabelledEnum(str, Enum):
    """A str enum whose members carry a patient-friendly `label`."""

    label: str

    def __new__(cls, value: str, label: str):  # noqa: D102 - enum plumbing
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]

    @classmethod
    def parse(cls: type[E], value: Any, field: str | None = None) -> E:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            wanted = value.strip().casefold().replace("-", "_").replace(" ", "_")
            for member in cls:
                if wanted == member.value or wanted == member.label.casefold().replace("-", "_").replace(" ", "_"):
                    return member
        allowed = "; ".join(member.label for member in cls)
        raise ValidationError("referral.invalid.choice", field=field, choices=allowed)


class Status(LabelledEnum):
    """Where an inquiry is in the coordinators' workflow (new → in review → answered → closed)."""

    NEW = "new", "Received, waiting for a coordinator"
    IN_REVIEW = "in_review", "A coordinator is reviewing your inquiry"
    ANSWERED = "answered", "Answered: a coordinator has replied"
    CLOSED = "closed", "Closed"

    @property
    def short_label(self) -> str:
        """The coordinators' one-word name for the status."""
        return {"new": "New", "in_review": "In review", "answered": "Answered", "closed": "Closed"}[self.value]


class Writer(LabelledEnum):
    """Who is writing the inquiry."""

    PATIENT = "patient", "I am the patient"
    RELATIVE = "relative", "I am writing for a family member or friend"


class Relation(LabelledEnum):
    """How a writer who is not the patient is related to the patient."""

    SPOUSE_OR_PARTNER = "spouse_or_partner", "Spouse or partner"
    PARENT = "parent", "Parent"
    CHILD = "child", "Son or daughter"
    SIBLING = "sibling", "Brother or sister"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FRIEND = "friend", "Friend"
    OTHER = "other", "Other (for example a caregiver)"


class StageOfCare(LabelledEnum):
    """How far the patient's care has come."""

    SUSPECTED = "suspected", "Cancer is suspected but not confirmed yet"
    BIOPSY_OR_PATHOLOGY_DONE = "biopsy_or_pathology_done", "Diagnosed by a biopsy or pathology report, not treated yet"
    TREATED = "treated", "Already treated or being treated"
    RELAPSED = "relapsed", "The cancer came back or grew after treatment"


class Want(LabelledEnum):
    """What the patient hopes to get from a Korean hospital (an inquiry has one or more)."""

    SECOND_OPINION = "second_opinion", "A second opinion on the diagnosis or treatment plan"
    TREATMENT = "treatment", "Treatment in Korea"
    TRANSPLANT = "transplant", "A transplant (stem cell / bone marrow or organ)"
    CAR_T = "car_t", "CAR-T cell therapy"
    CLINICAL_TRIAL = "clinical_trial", "Joining a clinical trial"
    FOLLOW_UP = "follow_up", "Follow-up care or check-ups"


# The coordinators' workflow. ANSWERED is reached by replying to the patient (`reply_to_patient`); a plain
# status change to ANSWERED is only accepted when a reply has been written.
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_REVIEW, Status.CLOSED}),
    Status.IN_REVIEW: frozenset({Status.ANSWERED, Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.IN_REVIEW, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_REVIEW}),
}

# Statuses from which a coordinator may (re)write the reply to the patient.
REPLYABLE_STATUSES = frozenset({Status.NEW, Status.IN_REVIEW, Status.ANSWERED})


class Role(LabelledEnum):
    """What a console account may do. A coordinator works the queues of the units assigned to them; an
    administrator sees every inquiry, manages the accounts and reads the whole audit log."""

    COORDINATOR = ("coordinator", "Coordinator")
    ADMINISTRATOR = ("administrator", "Administrator")
