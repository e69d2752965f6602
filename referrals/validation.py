"""Validators shared by the chat form and the inquiry store: each takes what a person typed and returns
the normalised value or raises `ValidationError` naming the message (an id of the catalog, messages/) that
tells the person what to type."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from referrals.errors import ValidationError

MAX_AGE_YEARS = 120

# --- email --------------------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"^[\w!#$%&'*+/=?^`{|}~.-]+$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL_MESSAGE = "referral.invalid.email"


def normalise_email(text: Any, field: str = "contact_email") -> str:
    """Return the address with surrounding space removed, lower-cased, and its domain in ASCII
    (international domains as punycode), so the same address always compares equal."""
    if not isinstance(text, str):
        raise ValidationError(_EMAIL_MESSAGE, field=field)
    value = text.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if not value or len(value) > 254 or any(ch.isspace() for ch in value) or value.count("@") != 1:
        raise ValidationError(_EMAIL_MESSAGE, field=field)
    local, _, domain = value.partition("@")
    if (not local or len(local) > 64 or not _EMAIL_LOCAL.match(local) or local.startswith(".")
            or local.endswith(".") or ".." in local):
        raise ValidationError(_EMAIL_MESSAGE, field=field)
    domain = domain.rstrip(".").lower()
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError(_EMAIL_MESSAGE, field=field) from error
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise ValidationError(_EMAIL_MESSAGE, field=field)
    tld = labels[-1]
    if not (tld.isalpha() and len(tld) >= 2) and not tld.startswith("xn--"):
        raise ValidationError(_EMAIL_MESSAGE, field=field)
    return f"{local.lower()}@{ascii_domain}"


# --- phone --------------------------------------------------------------------------------------------

# ITU-T E.164 country calling codes assigned to countries and territories (not the global services).
_CALLING_CODES_2 = frozenset({
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58,
    60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
})
_CALLING_CODES_3 = frozenset({
    211, 212, 213, 216, 218, *range(220, 259), *range(260, 270), 290, 291, 297, 298, 299,
    *range(350, 360), *range(370, 379), 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423,
    *range(500, 510), *range(590, 600), 670, *range(672, 684), *range(685, 693), 850, 852, 853, 855,
    856, 880, 886, *range(960, 969), *range(970, 978), *range(992, 997), 998,
})
_PHONE_SEPARATORS = re.compile(r"[\s\-./()\u00a0\u2010-\u2015]")
_PHONE_NEEDS_CODE = "referral.invalid.phone_needs_code"
_PHONE_MESSAGE = "referral.invalid.phone"


def calling_code(e164: str) -> str:
    """The country calling code of an E.164 number (`'+821012345678'` → `'82'`)."""
    digits = e164.lstrip("+")
    if digits[:1] in {"1", "7"}:
        return digits[:1]
    if int(digits[:2]) in _CALLING_CODES_2:
        return digits[:2]
    return digits[:3]


# Arabic-Indic and Eastern Arabic-Indic digits (Arabic, Persian and Urdu keyboards) read as 0-9
_EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def as_western_digits(text: str) -> str:
    """`text` with fullwidth forms folded (NFKC: "＋８６" is "+86") and Arabic-Indic digits as 0-9."""
    return unicodedata.normalize("NFKC", text).translate(_EASTERN_DIGITS)


def normalise_phone(text: Any, field: str = "contact_phone") -> str:
    """Return the number in E.164 form (`+821012345678`). The country code is required (`+` or the
    international `00` prefix); spaces, dashes, dots, brackets and a `(0)` trunk prefix are dropped."""
    if not isinstance(text, str):
        raise ValidationError(_PHONE_MESSAGE, field=field)
    value = as_western_digits(text).strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
    value = value.replace("(0)", "").replace("\uff0b", "+")
    value = _PHONE_SEPARATORS.sub("", value)
    if value.startswith("00"):
        value = "+" + value[2:]
    if not value.startswith("+"):
        if value.isdigit():
            raise ValidationError(_PHONE_NEEDS_CODE, field=field)
        raise ValidationError(_PHONE_MESSAGE, field=field)
    digits = value[1:]
    if not digits.isascii() or not digits.isdigit() or not 7 <= len(digits) <= 15 or digits[0] == "0":
        raise ValidationError(_PHONE_MESSAGE, field=field)
    code = calling_code(value)
    if not (code in {"1", "7"} or int(code) in _CALLING_CODES_2 or int(code) in _CALLING_CODES_3):
        raise ValidationError("referral.invalid.calling_code", field=field)
    if len(digits) - len(code) < 4:
        raise ValidationError(_PHONE_MESSAGE, field=field)
    return value


# --- age or date of birth -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AgeOrBirthDate:
    """The patient's age in whole years (always set) and the date of birth when it was given."""

    age: int
    birth_date: date | None = None


_MONTHS = {
    name: number
    for number, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec"),
    ], start=1)
    for name in names
}
# month names in the patients' other languages, as written in a date ("5 марта 2018", "5 مارس 2018")
_MONTHS.update({
    name: number
    for number, names in enumerate([
        ("января", "январь", "يناير", "كانون الثاني"), ("февраля", "февраль", "فبراير", "شباط"),
        ("марта", "март", "مارس", "آذار", "اذار"), ("апреля", "апрель", "أبريل", "ابريل", "نيسان"),
        ("мая", "май", "مايو", "أيار", "ايار"), ("июня", "июнь", "يونيو", "حزيران"),
        ("июля", "июль", "يوليو", "تموز"), ("августа", "август", "أغسطس", "اغسطس", "آب", "اب"),
        ("сентября", "сентябрь", "سبتمبر", "أيلول", "ايلول"), ("октября", "октябрь", "أكتوبر", "اكتوبر", "تشرين الأول"),
        ("ноября", "ноябрь", "نوفمبر", "تشرين الثاني"), ("декабря", "декабрь", "ديسمبر", "كانون الأول"),
    ], start=1)
    for name in names if " " not in name
})
# "age", "full age" (Korean 만), "his/her/my age" (Arabic) before the number
_AGE_LEAD = r"(?:age\s*:?\s*|만\s*|возраст\s*:?\s*|нас\s*:?\s*|العمر\s*:?\s*|عمره\s*|عمرها\s*|عمري\s*)?"
_YEARS_WORDS = (r"(?:y|yr|yrs|year|years|years?\s+old|yo|y\.o\.?|세|살|лет|год|года|岁|歲|周岁|настай|нас|"
                r"سنة|سنه|سنوات|عام|أعوام|اعوام)")
_AGE_YEARS = re.compile(rf"^{_AGE_LEAD}(\d{{1,3}})\s*(?:{_YEARS_WORDS})?\.?$")
_AGE_MONTHS = re.compile(r"^(\d{1,3})\s*(?:m|mo|mos|month|months|개월|달|месяц|месяца|месяцев|个月|個月|сар|сартай|"
                         r"شهر|شهور|أشهر|اشهر)(?:\s+old)?\.?$")
_AGE_WEEKS = re.compile(r"^(\d{1,3})\s*(?:w|wk|wks|week|weeks)(?:\s+old)?\.?$")
_AGE_DAYS = re.compile(r"^(\d{1,3})\s*(?:d|day|days)(?:\s+old)?\.?$")
_YEAR_FIRST = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$")
# 2018년 3월 5일, 2018年3月5日
_YEAR_MONTH_DAY_MARKED = re.compile(r"^(\d{4})\s*[년年]\s*(\d{1,2})\s*[월月]\s*(\d{1,2})\s*[일日号]?\.?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})([-./])(\d{1,2})\2(\d{4})$")
_AGE_MESSAGE = "referral.invalid.age"


def age_on(birth_date: date, today: date) -> int:
    """Whole years between `birth_date` and `today`."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _birth_date(year: int, month: int, day: int, today: date, field: str) -> AgeOrBirthDate:
    try:
        born = date(year, month, day)
    except ValueError as error:
        raise ValidationError("referral.invalid.date_not_real", field=field) from error
    if born > today:
        raise ValidationError("referral.invalid.birth_date_future", field=field)
    age = age_on(born, today)
    if age > MAX_AGE_YEARS:
        raise ValidationError("referral.invalid.birth_date_too_old", field=field, max_years=MAX_AGE_YEARS)
    return AgeOrBirthDate(age=age, birth_date=born)


def _age(years: int, field: str) -> AgeOrBirthDate:
    if years > MAX_AGE_YEARS:
        raise ValidationError("referral.invalid.age_too_high", field=field, max_years=MAX_AGE_YEARS)
    return AgeOrBirthDate(age=years)


def parse_age_or_birth_date(text: Any, today: date | None = None, field: str = "age_or_birth_date") -> AgeOrBirthDate:
    """Read an age ("45", "45 years", "45 years old", "8 months") or a date of birth ("1979-03-02",
    "1979.03.02", "02.03.1979", "2 March 1979", "March 2, 1979"). Slashed dates are accepted only when
    the day cannot be mistaken for the month. Impossible values (future dates, ages over 120, 31 April)
    are rejected. `today` defaults to the current UTC date."""
    today = today or datetime.now(timezone.utc).date()
    if isinstance(text, bool):
        raise ValidationError(_AGE_MESSAGE, field=field)
    if isinstance(text, int):
        if text < 0:
            raise ValidationError(_AGE_MESSAGE, field=field)
        return _age(text, field)
    if isinstance(text, float) and text.is_integer():
        return parse_age_or_birth_date(int(text), today, field)
    if isinstance(text, datetime):
        text = text.date()
    if isinstance(text, date):
        return _birth_date(text.year, text.month, text.day, today, field)
    if not isinstance(text, str):
        raise ValidationError(_AGE_MESSAGE, field=field)
    value = " ".join(as_western_digits(text).strip().lower().split())
    if not value:
        raise ValidationError(_AGE_MESSAGE, field=field)

    if match := _AGE_YEARS.match(value):
        return _age(int(match.group(1)), field)
    for pattern, per_year in ((_AGE_MONTHS, 12), (_AGE_WEEKS, 52), (_AGE_DAYS, 365)):
        if match := pattern.match(value):
            return _age(int(match.group(1)) // per_year, field)
    if match := _YEAR_FIRST.match(value) or _YEAR_MONTH_DAY_MARKED.match(value):
        return _birth_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), today, field)
    if match := _DAY_FIRST.match(value):
        first, separator, second, year = int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))
        if separator != "/":  # 02.03.1979 and 02-03-1979 are day-first wherever they are written
            return _birth_date(year, second, first, today, field)
        if first > 12 >= second:
            return _birth_date(year, second, first, today, field)
        if second > 12 >= first:
            return _birth_date(year, first, second, today, field)
        if first == second:
            return _birth_date(year, first, second, today, field)
        raise ValidationError("referral.invalid.date_ambiguous", field=field)

    tokens = re.findall(r"[^\W\d_]+|\d+", value)
    words = [token for token in tokens if token.isalpha() and token not in {"st", "nd", "rd", "th", "of"}]
    numbers = [token for token in tokens if token.isdigit()]
    if len(words) == 1 and words[0] in _MONTHS and len(numbers) == 2:
        years = [n for n in numbers if len(n) == 4]
        days = [n for n in numbers if len(n) <= 2]
        if len(years) == 1 and len(days) == 1:
            return _birth_date(int(years[0]), _MONTHS[words[0]], int(days[0]), today, field)
    if re.fullmatch(r"\d{4}", value):
        raise ValidationError("referral.invalid.year_only", field=field)
    raise ValidationError(_AGE_MESSAGE, field=field)


# --- small helpers for the other fields ---------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_YES = {"yes", "y", "true", "1", "on", "yeah", "yep", "sure", "i do", "we do", "have", "네", "예", "있어요", "да", "есть",
        "是", "是的", "对", "有", "тийм", "за", "байгаа", "نعم", "أجل", "اجل", "ايوه"}
_NO = {"no", "n", "false", "0", "off", "nope", "not yet", "i don't", "i do not", "don't have", "아니요", "아니오", "아니",
       "없어요", "нет", "не", "否", "不", "不是", "没有", "үгүй", "байхгүй", "لا", "كلا"}
# The free-text fields `clean_text` checks, and what can be wrong with each: the message of a problem is
# `referral.invalid.<field>.<problem>`, one whole sentence per field, so that a language can inflect the
# field's name as each sentence needs.
TEXT_FIELDS = ("patient_name", "writer_name", "diagnosis", "treatment_history", "questions", "travel_plans",
               "consent_version", "note", "reply")
TEXT_PROBLEMS = ("not_text", "missing", "too_long")


def clean_text(value: Any, field: str, *, max_length: int, required: bool = False,
               one_line: bool = False) -> str | None:
    """Strip, drop control characters, collapse spaces (and line breaks when `one_line`), enforce length.
    `field` is one of `TEXT_FIELDS` (it names the message of what is wrong)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"referral.invalid.{field}.not_text", field=field)
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value)).replace("\r\n", "\n").replace("\r", "\n")
    value = " ".join(value.split()) if one_line else "\n".join(" ".join(line.split()) for line in value.strip().split("\n"))
    value = re.sub(r"\n{3,}", "\n\n", value).strip()
    if not value:
        if required:
            raise ValidationError(f"referral.invalid.{field}.missing", field=field)
        return None
    if len(value) > max_length:
        raise ValidationError(f"referral.invalid.{field}.too_long", field=field, max_length=max_length)
    return value


def parse_yes_no(value: Any, field: str) -> bool | None:
    """`True`/`False` from a bool or a yes/no answer; `None` (not answered) from None or ''."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        answer = value.strip().casefold().rstrip(".!")
        if not answer:
            return None
        if answer in _YES:
            return True
        if answer in _NO:
            return False
    raise ValidationError("referral.invalid.yes_no", field=field)
