"""How much of a message is words a language can be told from.

Reference numbers, emails, web addresses, numbers, acronyms and drug or therapy codes ("CAR-T",
"HSCT", "R-CHOP") are the same in every language, and a message of names alone ("Kim Min-jun",
"Батболд") says nothing about the language its writer reads: none of them counts as evidence.
"""
from __future__ import annotations

import re

# tokens that carry no language: Latin letters and digits around a digit (a reference, a reading, a
# date; written without spaces in Chinese, so only the ASCII run goes), an email, a web address, and
# acronyms or codes written in capitals with hyphens ("CAR-T", "R-CHOP", "PET-CT")
_NEUTRAL_TOKEN = re.compile(r"[A-Za-z0-9._/:-]*\d[A-Za-z0-9._/:-]*|[\w.+-]+@[\w.-]+|(https?://|www\.)\S*"
                            r"|\b[A-Z][A-Z-]*[A-Z]\b(-\w+)?")
_WORD = re.compile(r"[^\W\d_]+")
# Hangul syllables and Han characters carry a syllable or a word each: fewer of them are needed
_DENSE_SCRIPT = re.compile(r"[\u3131-\u318e\uac00-\ud7a3\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")

# Decided only on at least this much: two words of ten letters between them in alphabetic scripts
# ("мне очень плохо" decides; "нет", "ok thanks", "thank you" do not), or three Hangul or Han characters
# ("열나요", "发烧了"); chosen with tests/languages/test_detection.py's short and mixed messages.
MIN_WORDS = 2
MIN_LETTERS = 10
MIN_DENSE_CHARACTERS = 3
# Arabic writes few letters per word (no short vowels) and its script is no other language's of the six:
# two words of six letters between them decide ("ابي انتحر", "جدي ما يصحى"), a single "لا" does not
MIN_ARABIC_LETTERS = 6
# a patient's or a doctor's full name is at most this many capitalised words
MAX_NAME_WORDS = 4


def language_words(text: str) -> list[str]:
    """The words of `text` that can tell its language (neutral tokens taken out)."""
    return _WORD.findall(_NEUTRAL_TOKEN.sub(" ", text))


def only_names(text: str) -> bool:
    """A few words, each capitalised ("Kim Min-jun", "Ali Hassan"): a name or a place, not a sentence.
    Scripts without capitals (Hangul, Han, Arabic) are never only names."""
    tokens = [token for token in _NEUTRAL_TOKEN.sub(" ", text).split() if _WORD.search(token)]
    initials = [_WORD.search(token).group()[0] for token in tokens]
    return 0 < len(tokens) <= MAX_NAME_WORDS and all(initial.isupper() for initial in initials)


def enough_evidence(text: str) -> bool:
    """Whether `text` holds enough language words to decide its language."""
    words = language_words(text)
    if not words or only_names(text):
        return False
    dense = sum(len(_DENSE_SCRIPT.findall(word)) for word in words)
    if dense >= MIN_DENSE_CHARACTERS:
        return True
    arabic = sum(len(_ARABIC_LETTER.findall(word)) for word in words)
    if len(words) >= MIN_WORDS and arabic >= MIN_ARABIC_LETTERS:
        return True
    return len(words) >= MIN_WORDS and sum(len(word) for word in words) >= MIN_LETTERS
