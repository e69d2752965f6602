"""How the console writes times: the age of an inquiry ("3 h ago") and Korean local time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from notifications.messages import duration  # noqa: F401 - one way to write a length of time, emails too

KST = timezone(timedelta(hours=9), "KST")  # Korea has no daylight saving time


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """"just now", "12 min ago", "3 h ago", "5 d ago"."""
    if value is None:
        return ""
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - value).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def korea_time(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(KST).strftime("%Y-%m-%d %H:%M KST")

