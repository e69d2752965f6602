"""The texts of the emails (subject and body), made from plain values at the edge.

The notification to coordinators holds no personal or medical details (reference, unit, country,
language, the deadline and a link to the console): email passes through servers the office does not
control. The reply goes to the patient's own address with their reference; its frame (greeting, how to
read it in the chat) is in the patient's language where `FRAMES` has it, English otherwise; the reply's
text is the coordinator's, as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def korea_time(value: datetime) -> str:
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M KST")


def duration(value: timedelta | None) -> str:
    """A length of time, the sign dropped: '3 d 2 h', '5 h', '40 min' ('' for None)."""
    if value is None:
        return ""
    minutes = abs(int(value.total_seconds())) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{hours} h" if hours else f"{minutes} min"


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def arrival(*, reference: str, unit: str, unit_short: str, country: str, language: str, arrived_at: datetime,
            due_at: datetime, working_days: int, link: str) -> Email:
    """The notification to the coordinators of the unit's queue (`unit_short` in the subject, `unit` in
    full in the text). No personal or medical details."""
    return Email(
        subject=f"New referral inquiry {reference} for {unit_short}",
        body=(f"A new referral inquiry arrived in your queue.\n\n"
              f"Reference: {reference}\n"
              f"Recommended unit: {unit}\n"
              f"Country: {country}\n"
              f"Preferred language: {language}\n"
              f"Arrived: {korea_time(arrived_at)}\n"
              f"Answer by: {korea_time(due_at)} (the office's promise: {working_days} working days)\n\n"
              f"Open it in the console (sign-in needed):\n{link}\n\n"
              "This email deliberately holds no names, contact details or medical information; "
              "read them in the console.\n"))


# The frame of the reply email, by language code. The coordinator's reply itself is sent as written.
FRAMES = {
    "en": {
        "subject": "Reply to your inquiry {reference}",
        "greeting": "Hello,",
        "intro": "An international coordinator has answered your inquiry {reference}:",
        "signed": "{coordinator}, international coordinator",
        "chat": "You can also read this reply in the chat: ask for the status of your inquiry and give the "
                "reference {reference} and this email address.",
        "emergency": "If your condition gets worse, please seek medical care; in an emergency call 119 in Korea "
                     "or your local emergency number.",
    },
    "ko": {
        "subject": "문의 {reference}에 대한 답변",
        "greeting": "안녕하세요.",
        "intro": "국제 코디네이터가 문의 {reference}에 답변했습니다:",
        "signed": "{coordinator}, 국제 코디네이터",
        "chat": "채팅에서도 이 답변을 볼 수 있습니다. 문의 상태를 물어보시고 참조 번호 {reference}와 이 이메일 주소를 "
                "알려 주세요.",
        "emergency": "상태가 나빠지면 진료를 받으시고, 응급 상황에서는 한국에서 119 또는 현지 응급 번호로 전화하세요.",
    },
    "ru": {
        "subject": "Ответ на ваш запрос {reference}",
        "greeting": "Здравствуйте!",
        "intro": "Международный координатор ответил на ваш запрос {reference}:",
        "signed": "{coordinator}, международный координатор",
        "chat": "Этот ответ можно также прочитать в чате: спросите о статусе запроса и укажите номер {reference} "
                "и этот адрес электронной почты.",
        "emergency": "Если состояние ухудшится, обратитесь за медицинской помощью; в экстренном случае звоните 119 "
                     "в Корее или по местному номеру экстренной помощи.",
    },
}


def reply(*, reference: str, text: str, coordinator: str, language: str) -> Email:
    """The coordinator's reply to the patient, framed in the patient's language where FRAMES has it."""
    frame = FRAMES.get((language or "en").split("-")[0].lower(), FRAMES["en"])
    values = {"reference": reference, "coordinator": coordinator}
    return Email(
        subject=frame["subject"].format(**values),
        body=(f"{frame['greeting']}\n\n{frame['intro'].format(**values)}\n\n{text}\n\n"
              f"{frame['signed'].format(**values)}\n\n{frame['chat'].format(**values)}\n\n"
              f"{frame['emergency']}\n"))


@dataclass(frozen=True)
class DigestLine:
    reference: str
    unit: str
    country: str
    status: str
    assigned_to: str
    arrived_at: datetime
    overdue_by: timedelta
    link: str


def digest(*, day: str, lines: list[DigestLine], working_days: int, inbox_link: str) -> Email:
    """The daily list of overdue inquiries in the recipient's queues, longest overdue first. Like the
    notification, no personal or medical details."""
    count = len(lines)
    items = "\n".join(
        f"- {line.reference}: {line.unit or 'no unit recommended'}; {line.country}; {line.status}; "
        f"assigned to {line.assigned_to}; arrived {korea_time(line.arrived_at)}; overdue by "
        f"{duration(line.overdue_by)}\n  {line.link}" for line in lines)
    return Email(
        subject=f"{count} overdue referral inquir{'y' if count == 1 else 'ies'} ({day})",
        body=(f"These inquiries in your queues have waited longer than the office's promise of an answer within "
              f"{working_days} working days, longest overdue first:\n\n{items}\n\n"
              f"The inbox, sorted by time left: {inbox_link}\n"))
