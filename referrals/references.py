"""Inquiry reference numbers: `KR-` + 10 random characters of Crockford's base32 alphabet.

50 random bits from `secrets`, so one reference tells nothing about another. The alphabet has no I, L,
O or U; when a patient types a reference back, O is read as 0 and I or L as 1, case and separators are
ignored, and the `KR-` prefix is optional.
"""
from __future__ import annotations

import re
import secrets

PREFIX = "KR-"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
REFERENCE_PATTERN = re.compile(rf"^KR-[{ALPHABET}]{{{LENGTH}}}$")
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference(text: object) -> str | None:
    """The canonical form of a reference as typed (`kr-abcd efgh jk` → `KR-ABCDEFGHJK`), or None when
    it cannot be one."""
    if not isinstance(text, str):
        return None
    compact = re.sub(r"[\s\-_.#:]", "", text).upper()
    if len(compact) == LENGTH + 2 and compact.startswith("KR"):
        compact = compact[2:]
    compact = compact.translate(_TYPOS)
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return PREFIX + compact
