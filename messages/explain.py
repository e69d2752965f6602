"""An explanation of the knowledge store (routing reasons, whether a place offers a service) in words.

The knowledge layer returns `Sentence`s, message ids with the names and units that fill them
(knowledge/results.py); this is where they become text, in the reader's language, from the catalog.
A parameter's value is shown by its type: a unit with its hospital, several units as a list, a
condition as the patient wrote it beside its name, a category with its article in English.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from knowledge.results import AsWritten, CategoryName, HospitalRef, Sentence, UnitRef
from messages import SOURCE_LOCALE, say, spoken_locale

# The separator of a list of units ("A (SNUH); B (SMC)"), and of cited statements quoted one after another.
UNIT_SEPARATOR = "; "
STATEMENT_SEPARATOR = " "


def explain(sentences: Iterable[Sentence], locale: str | None = None) -> str:
    """The sentences of an explanation as one paragraph."""
    return " ".join(say_sentence(item, locale) for item in sentences)


def say_sentence(item: Sentence, locale: str | None = None) -> str:
    """One sentence in words, starting with a capital letter where the script has them."""
    text = say(item.message_id, locale, **{name: shown(value, locale) for name, value in item.params})
    return text[:1].upper() + text[1:]


def shown(value: Any, locale: str | None = None) -> str:
    """A parameter's value as the sentence shows it."""
    if isinstance(value, UnitRef):
        return say("answer.place_unit", locale, unit=value.full_name, hospital=value.hospital_name)
    if isinstance(value, HospitalRef):
        return value.name
    if isinstance(value, AsWritten):
        return say("route.as_written", locale, written=value.written, name=value.name)
    if isinstance(value, CategoryName):
        return with_article(value.label) if (locale or spoken_locale()) == SOURCE_LOCALE else value.label
    if isinstance(value, tuple):
        if all(isinstance(item, UnitRef) for item in value):
            return UNIT_SEPARATOR.join(shown(item, locale) for item in value)
        return STATEMENT_SEPARATOR.join(shown(item, locale) for item in value)
    return str(value)


def with_article(noun: str) -> str:
    """English's indefinite article before `noun`: "an ovarian ...", "a uveal ..." (a vowel letter that
    sounds like "you" takes "a")."""
    article = "an" if noun[:1].lower() in "aeiou" and not noun.lower().startswith(("u", "eu")) else "a"
    return f"{article} {noun}"
