"""The language of one message, among the six patients write in.

The statistical detector (lingua, which ships its own n-gram models) is restricted to the six languages
and built once per process. Among them the script decides every language but two (Hangul is Korean, Han
Chinese, Arabic script Arabic, Latin English); the models matter for Russian against Mongolian, and
Mongolian-only letters settle that too when present (languages.cyrillic). A message is decided only when
it holds enough words of a language (languages.evidence) and the detector is confident.
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
    """The one detector of this process, its models loaded now rather than on a patient's message.

    Low-accuracy mode (trigram models only), measured on 2026-12-01 on the 381 sentences of the tests and
    the emergency sets and 29 short Russian and Mongolian phrases: as right as the full models (no mistake
    either way, no short or mixed message decided), built in 0.25 s and +29 MB instead of 6.7 s and
    +156 MB; loading the full models lazily instead cost the first Russian message 4.3 s."""
    return LanguageDetectorBuilder.from_languages(*(_LINGUA[code] for code in LANGUAGES)) \
        .with_preloaded_language_models().with_low_accuracy_mode().build()


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
