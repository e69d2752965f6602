"""The languages patients write in, and telling which one a message is written in.

`languages.detection.detect_language(text)` names one of LANGUAGES, or UNDECIDED when the message is
too short or too mixed to say (a reference number, "CAR-T?", a name, an email): an undecided message
never changes the conversation's language. This module holds only the codes, so that the action server
can read a conversation's language without loading the detector's models.
"""
from __future__ import annotations

from collections.abc import Iterable

# ISO 639-1 codes, the locale names of the message catalog (messages/locales/<code>); Mongolian is
# written in Cyrillic, Chinese in simplified characters.
LANGUAGES = ("en", "ko", "ru", "zh", "mn", "ar")
DEFAULT_LANGUAGE = "en"
UNDECIDED = None


def first_named(clues: Iterable[object]) -> str:
    """The conversation's language from its clues, newest first (the widget's choice or the detected
    language of each user message, the `language` slot): the first that names a language, else English.
    An undecided message gives None as its clue and so keeps the language before it."""
    return next((clue for clue in clues if clue in LANGUAGES), DEFAULT_LANGUAGE)
