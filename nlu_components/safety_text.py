"""One spelling of a message for the safety patterns, whatever keyboard or script typed it.

The patterns are written once, in these forms: ' for the phone's ’, ASCII digits for Arabic-Indic and
full-width ones, е for ё (most Russian writers never type ё), and Arabic without diacritics or tatweel,
with one alef, ي for ى and ه for ة (the letters patients swap, and vowel marks few type).
"""
from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_TRANSLATION = str.maketrans({
    "’": "'", "‘": "'",
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic (Persian, Urdu keyboards)
    "٫": ".", "٬": ",",  # Arabic decimal and thousands separators: "٣٨٫٥"
    "ё": "е", "Ё": "Е",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
})


def normalise(text: str) -> str:
    """`text` in the one spelling the safety patterns are written in (see the module's docstring)."""
    # NFKC folds full-width digits and letters ("３９度") and Arabic presentation forms to plain ones
    text = unicodedata.normalize("NFKC", text)
    return _ARABIC_DIACRITICS.sub("", text).translate(_TRANSLATION)
