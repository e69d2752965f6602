"""The response-time promise: an answer within N working days of the office in Korea.

Working days are Monday to Friday in Korea time, less the office's holidays (OFFICE_HOLIDAYS). An
inquiry is due N working days after it arrived, at the same time of day; one that arrives on a weekend
or holiday counts from the start of the next working day. Only open inquiries (new, in review) have a
deadline: an answered or closed one has met it or no longer needs it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from referrals.enums import Status
from referrals.models import Inquiry

KST = timezone(timedelta(hours=9), "KST")  # Korea has no daylight saving time
OPEN_STATUSES = (Status.NEW.value, Status.IN_REVIEW.value)
SOON = timedelta(hours=8)  # "due soon": less than a working day's hours left


@dataclass(frozen=True)
class Promise:
    """The office's response-time target."""

    working_days: int = 2
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_settings(cls) -> "Promise":
        """RESPONSE_TARGET_WORKING_DAYS and OFFICE_HOLIDAYS (see .env.example)."""
        from settings import load_settings  # noqa: PLC0415 - read when used, so tests may change it

        settings = load_settings()
        return cls(settings.response_target_working_days, frozenset(settings.office_holidays))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def due_at(self, arrived: datetime) -> datetime:
        """When an inquiry that arrived at `arrived` must be answered (aware UTC)."""
        local = arrived.astimezone(KST)
        if not self.is_working_day(local.date()):
            day = local.date() + timedelta(days=1)
            while not self.is_working_day(day):
                day += timedelta(days=1)
            local = datetime.combine(day, time(0, 0), KST)
        left = self.working_days
        while left > 0:
            local += timedelta(days=1)
            if self.is_working_day(local.date()):
                left -= 1
        return local.astimezone(timezone.utc)


@dataclass(frozen=True)
class Deadline:
    """An open inquiry's deadline as seen at one moment."""

    due_at: datetime
    left: timedelta  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.left < timedelta(0)

    @property
    def soon(self) -> bool:
        return timedelta(0) <= self.left < SOON


def deadline(inquiry: Inquiry, now: datetime, promise: Promise) -> Deadline | None:
    """The inquiry's deadline, or None when it is not open."""
    if inquiry.status not in OPEN_STATUSES or inquiry.is_deleted:
        return None
    due = promise.due_at(inquiry.created_at)
    return Deadline(due, due - now)


def deadlines(inquiries: Iterable[Inquiry], now: datetime, promise: Promise) -> dict[int, Deadline]:
    """{inquiry id: deadline} of the open ones."""
    found = {}
    for inquiry in inquiries:
        item = deadline(inquiry, now, promise)
        if item is not None:
            found[inquiry.id] = item
    return found


def overdue(inquiries: Iterable[Inquiry], now: datetime, promise: Promise) -> list[tuple[Inquiry, Deadline]]:
    """The overdue ones, the longest overdue first."""
    late = [(inquiry, item) for inquiry in inquiries
            if (item := deadline(inquiry, now, promise)) is not None and item.overdue]
    return sorted(late, key=lambda pair: pair[1].due_at)
