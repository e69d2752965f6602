"""Countries (stored as ISO 3166-1 alpha-2 codes) and languages (ISO 639 codes), read from what a
patient types in English, their own language or as a code. Names come from the CLDR data of `babel`."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError

from referrals.errors import ValidationError

# Locales whose country and language names we also recognise (the languages patients write in most).
_NAME_LOCALES = ("en", "ko", "ru", "mn", "kk", "uz", "ky", "ar", "zh", "ja", "vi", "id", "th", "fr", "es",
                 "de", "tr", "fa", "hi", "ms", "fil", "uk", "az", "tg")
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}
_COUNTRY_ALIASES = {
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "russian federation": "RU", "korea": "KR",
    "republic of korea": "KR", "korea, republic of": "KR", "north korea": "KP", "uae": "AE",
    "emirates": "AE", "kyrgyz republic": "KG", "kirghizia": "KG", "holland": "NL", "czech republic": "CZ",
    "turkey": "TR", "türkiye": "TR", "ivory coast": "CI", "burma": "MM", "persia": "IR",
    "viet nam": "VN", "lao pdr": "LA", "prc": "CN", "mainland china": "CN", "macau": "MO",
    "hong kong sar": "HK", "swaziland": "SZ", "east timor": "TL", "cape verde": "CV",
    # the short names patients write in their own language where CLDR gives only the long one
    "السعودية": "SA", "الامارات": "AE", "سلطنة عمان": "OM", "امريكا": "US", "蒙古国": "MN", "中国大陆": "CN",
    "사우디": "SA", "рф": "RU", "сша": "US", "монгол улс": "MN", "оху": "RU", "солонгос": "KR",
    "өмнөд солонгос": "KR", "ану": "US", "хятад улс": "CN",
}
# Languages a chat form can offer as buttons: those Korean hospitals' international offices most
# often serve (interpreters for others are arranged on request).
COMMON_LANGUAGES = ("en", "ru", "mn", "zh", "ja", "vi", "ar", "kk", "uz", "ky", "id", "th", "fr", "es", "ko")
_LANGUAGE_ALIASES = {"bahasa indonesia": "id", "bahasa": "id", "bahasa melayu": "ms", "монгол хэл": "mn",
                     "farsi": "fa", "mandarin": "zh", "putonghua": "zh", "cantonese": "yue", "filipino": "fil",
                     "qazaq": "kk", "kyrgyz": "ky", "kirghiz": "ky", "uzbekcha": "uz", "russkiy": "ru"}
# Further languages whose own name (e.g. "Deutsch", "Português") is recognised.
_EXTRA_NATIVE = {"pt", "it", "nl", "pl", "ro", "hu", "cs", "el", "he", "bn", "ur", "ne", "km", "lo", "my",
                 "si", "ta", "sw", "am", "ha", "yo", "tk", "ka", "hy", "sr", "bg", "hr", "sk", "sv", "no",
                 "da", "fi", "ps", "so"}


# Arabic letters written interchangeably in names (alef with or without hamza or madda)
_ARABIC_VARIANTS = str.maketrans("إأآ", "ااا")


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'").translate(_ARABIC_VARIANTS)
    return " ".join(folded.split())


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """(code → English name, lower-cased name in any known locale → code)."""
    english = {code: name for code, name in Locale("en").territories.items()
               if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}
    lookup: dict[str, str] = {}
    for locale_name in _NAME_LOCALES:
        try:
            names = Locale.parse(locale_name).territories
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in names.items():
            if code in english:
                lookup.setdefault(_key(name), code)
    for code, name in english.items():
        lookup[_key(name)] = code
    lookup.update({_key(alias): code for alias, code in _COUNTRY_ALIASES.items()})
    return english, lookup


def country_codes() -> list[str]:
    return sorted(_countries()[0])


def country_name(code: str | None) -> str:
    """The English name of a country code (the code itself when unknown, '' for None)."""
    if not code:
        return ""
    return _countries()[0].get(code.upper(), code)


def normalise_country(value: Any, field: str = "country") -> str:
    """A country name (English, the patient's language, or a common alias) or ISO code → ISO alpha-2 code."""
    english, lookup = _countries()
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 2 and text.isascii() and text.upper() in english:
            return text.upper()
        code = lookup.get(_key(text)) or lookup.get(_key(text.removeprefix("the ").removeprefix("The ")))
        if code:
            return code
    raise ValidationError("referral.invalid.country", field=field)


@lru_cache(maxsize=1)
def _languages() -> tuple[dict[str, str], dict[str, str]]:
    """(code → English name, lower-cased name (English, native, other locales) → code)."""
    english = {code: name for code, name in Locale("en").languages.items()
               if code.isalpha() and code.islower() and len(code) in (2, 3)}
    lookup: dict[str, str] = {}
    for locale_name in _NAME_LOCALES:
        try:
            names = Locale.parse(locale_name).languages
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in names.items():
            if code in english:
                lookup.setdefault(_key(name), code)
    for code in sorted(set(COMMON_LANGUAGES) | set(_NAME_LOCALES) | _EXTRA_NATIVE):
        if code not in english:
            continue
        try:
            native = Locale.parse(code).get_display_name(code)
        except (UnknownLocaleError, ValueError):
            native = None
        if native:
            lookup.setdefault(_key(native), code)
    for code, name in english.items():
        lookup[_key(name)] = code
    lookup.update({_key(alias): code for alias, code in _LANGUAGE_ALIASES.items() if code in english})
    return english, lookup


def language_name(code: str | None) -> str:
    """The English name of a language code (the code itself when unknown, '' for None)."""
    if not code:
        return ""
    return _languages()[0].get(code.lower(), code)


def language_choices() -> list[tuple[str, str]]:
    """(code, English name) for COMMON_LANGUAGES, in that order."""
    return [(code, language_name(code)) for code in COMMON_LANGUAGES]


def normalise_language(value: Any, field: str = "language") -> str:
    """A language name (English or native, e.g. 'Russian', 'русский', 'Монгол') or ISO 639 code → code."""
    english, lookup = _languages()
    if isinstance(value, str):
        text = value.strip()
        lowered = text.lower().replace("_", "-")
        if lowered in english:
            return lowered
        base = lowered.split("-")[0]
        if len(text) <= 8 and base in english and text.isascii():
            return base  # en-US, zh-Hans
        code = lookup.get(_key(text))
        if code:
            return code
    raise ValidationError("referral.invalid.language", field=field)
