"""The languages patients write in, and telling which one a message is written in.

`languages.detection.detect_language(text)` names one of LANGUAGES, or UNDECIDED when the message is
too short or too mixed to say (a reference number, "CAR-T?", a name, an email): an undecided message
never changes the conversation's language. This module holds only the codes, so that the action server
can read a conversation's language without loading the detector's models.
"""
from __future__ import annotations

# ISO 639-1 codes, the locale names of the message catalog (messages/locales/<code>); Mongolian is
# written in Cyrillic, Chinese in simplified characters.
LANGUAGES = ("en", "ko", "ru", "zh", "mn", "ar")
DEFAULT_LANGUAGE = "en"
UNDECIDED = None
