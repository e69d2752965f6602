"""Mongolian or Russian: the two languages patients write in Cyrillic.

The statistical models tell them apart well on sentences; two letters settle it whatever the models say:
Ө and Ү belong to the Mongolian alphabet and to no Russian word. A Mongolian sentence without them
("Би эмнэлэг хайж байна") is left to the models, which know words such as "байна" and "маань".
"""
from __future__ import annotations

import re

MONGOLIAN_ONLY_LETTERS = re.compile(r"[өүӨҮ]")


def settle_cyrillic(text: str, guess: str) -> str:
    """`guess` ("ru" or "mn" from the models), corrected to Mongolian when a Mongolian-only letter is present."""
    if guess == "ru" and MONGOLIAN_ONLY_LETTERS.search(text):
        return "mn"
    return guess
