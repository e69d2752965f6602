"""The language of one message, among the six patients write in.

The statistical detector (lingua, which ships its own n-gram models) is restricted to the six languages
and built once per process: building it loads every model (a few seconds, see `detector`), a detection
then takes well under a millisecond. A message is decided only when it holds enough words of a language
(languages.evidence) and the detector is confident; Mongolian-only letters settle Cyrillic.
"""
from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from languages import LANGUAGES, UNDECIDED
from languages.cyrillic import settle_cyrillic
from languages.evidence import enough_evidence

_LINGUA = {"en": Language.ENGLISH, "ko": Language.KOREAN, "ru": Language.RUSSIAN,
           "zh": Language.CHINESE, "mn": Language.MONGOLIAN, "ar": Language.ARABIC}
_CODE = {language: code for code, language in _LINGUA.items()}
# The detector's confidences over the six languages sum to 1; below this the message is mixed or
# ambiguous (a Russian word in a Mongolian sentence, "ok" in a Korean one) and stays undecided.
MIN_CONFIDENCE = 0.8


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """The one detector of this process. Models are preloaded so that no patient's first message in a
    language waits for its model to load (the load is paid at start-up instead)."""
    return LanguageDetectorBuilder.from_languages(*(_LINGUA[code] for code in LANGUAGES)) \
        .with_preloaded_language_models().build()


def detect_language(text: str, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """The language code of `text` (one of LANGUAGES), or UNDECIDED (None) when it is too short, made of
    names, numbers or codes, or too mixed to tell."""
    if not text or not enough_evidence(text):
        return UNDECIDED
    confidences = detector().compute_language_confidence_values(text)
    if not confidences or confidences[0].value < min_confidence:
        return UNDECIDED
    code = _CODE[confidences[0].language]
    return settle_cyrillic(text, code) if code in ("ru", "mn") else code
