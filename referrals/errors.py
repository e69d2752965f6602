"""Exceptions of the referrals API. Every `message` is written for the person who caused it (a patient
in the chat or a coordinator in the console) and may be shown to them as it is."""
from __future__ import annotations

from collections.abc import Mapping


class ReferralError(Exception):
    """Base class: `message` is user-facing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ReferralError, ValueError):
    """A value was rejected. `field` names the first offending field (None when not field-specific);
    `errors` maps every offending field to its message (a whole-inquiry check reports them all)."""

    def __init__(self, message: str, field: str | None = None, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors: dict[str, str] = dict(errors) if errors else ({field: message} if field else {})


class ConsentRequired(ValidationError):
    """An inquiry cannot be stored without the patient's (or writer's) consent."""

    def __init__(self) -> None:
        super().__init__(
            "We can only keep your inquiry if you agree that we store and use the personal and health "
            "information in it to answer you.",
            field="consent",
        )


class InquiryNotFound(ReferralError, LookupError):
    """No inquiry has this reference (coordinator side; the patient side returns None instead)."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"There is no inquiry with the reference {reference!r}.")
        self.reference = reference


class InvalidTransition(ReferralError):
    """The requested status change (or reply) is not allowed from the inquiry's current status."""


class PersonalDataDeleted(ReferralError):
    """The inquiry's personal data was deleted; it is an anonymised record and cannot be changed."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"The personal data of {reference} was deleted; the inquiry can no longer be changed.")
        self.reference = reference


class UnknownCoordinator(ReferralError, LookupError):
    """No active coordinator account has this username."""

    def __init__(self, username: str) -> None:
        super().__init__(f"There is no active coordinator with the username {username!r}.")
        self.username = username


class NotPermitted(ReferralError, PermissionError):
    """The acting account's role or units do not allow this (an administrator's task, or another
    unit's inquiry)."""
