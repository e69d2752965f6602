"""Exceptions of the referrals API. Each names what went wrong for the person who caused it (a patient in
the chat or a coordinator in the console) as a message id of the catalog (messages/) and its parameters;
the words are made where the person sees them (`messages.say_error`), in their language."""
from __future__ import annotations

from collections.abc import Mapping


class ReferralError(Exception):
    """Base class: `message_id` and `params` name the sentence that tells the person what went wrong."""

    def __init__(self, message_id: str, **params: object) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.params = params

    def sentences(self) -> list[tuple[str, dict[str, object]]]:
        """The (message id, parameters) of each sentence to show, in order."""
        return [(self.message_id, self.params)]


class ValidationError(ReferralError, ValueError):
    """A value was rejected. `field` names the first offending field (None when not field-specific);
    `errors` maps every offending field to its own error (a whole-inquiry check reports them all)."""

    def __init__(self, message_id: str, field: str | None = None,
                 errors: Mapping[str, ValidationError] | None = None, **params: object) -> None:
        super().__init__(message_id, **params)
        self.field = field
        self.errors: dict[str, ValidationError] = dict(errors) if errors else ({field: self} if field else {})

    def sentences(self) -> list[tuple[str, dict[str, object]]]:
        """One sentence per offending field when several are wrong, else this error's own."""
        if len(self.errors) > 1:
            return [sentence for error in self.errors.values() for sentence in error.sentences()]
        return super().sentences()


class ConsentRequired(ValidationError):
    """An inquiry cannot be stored without the patient's (or writer's) consent."""

    def __init__(self) -> None:
        super().__init__("referral.consent_required", field="consent")


class InquiryNotFound(ReferralError, LookupError):
    """No inquiry has this reference (coordinator side; the patient side returns None instead)."""

    def __init__(self, reference: str) -> None:
        super().__init__("referral.no_such_inquiry", reference=reference)
        self.reference = reference


class InvalidTransition(ReferralError):
    """The requested status change (or reply) is not allowed from the inquiry's current status."""


class PersonalDataDeleted(ReferralError):
    """The inquiry's personal data was deleted; it is an anonymised record and cannot be changed."""

    def __init__(self, reference: str) -> None:
        super().__init__("referral.personal_data_deleted", reference=reference)
        self.reference = reference


class UnknownCoordinator(ReferralError, LookupError):
    """No active coordinator account has this username."""

    def __init__(self, username: str) -> None:
        super().__init__("referral.unknown_coordinator", username=username)
        self.username = username


class NotPermitted(ReferralError, PermissionError):
    """The acting account's role or units do not allow this (an administrator's task, or another
    unit's inquiry)."""
