"""The languages patients write in, and telling which one a message is written in.

`detect_language(text)` names one of LANGUAGES, or UNDECIDED when the message is too short or too mixed
to say (a reference number, "CAR-T?", a name, an email): an undecided message never changes the
conversation's language.
"""
from __future__ import annotations

# ISO 639-1 codes, the locale names of the message catalog (messages/locales/<code>); Mongolian is
# written in Cyrillic, Chinese in simplified characters.
LANGUAGES = ("en", "ko", "ru", "zh", "mn", "ar")
DEFAULT_LANGUAGE = "en"
UNDECIDED = None

from languages.detection import detect_language, detector  # noqa: E402  (needs the names above)

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "UNDECIDED", "detect_language", "detector"]
