"""Every sentence the bot says, by message id.

One gettext catalog per language (`locales/<locale>/LC_MESSAGES/bot.po`, read with Babel), English the
source: the code passes a message id and its parameters, and the words are made here, at the edge, so
that a language is a catalog and not a code change. `say("route.ask_condition")`; a parameter is written
`{name}` in the catalog and passed by name: `say("answer.none_at", place="SNUH")`.

The language is the one being spoken (`with speaking("ko"): ...`, set once per action call by the action
server from the conversation) unless a call names its own; English outside any conversation (the
coordinators' console, the command line).
"""
from __future__ import annotations

import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "bot"
SOURCE_LOCALE = "en"
# A translation's header says whether a native speaker has reviewed it; until one has, it is an
# engineer's (or a machine's) translation, said to patients but flagged as such.
REVIEWED_HEADER = re.compile(r'^"X-Reviewed-By-Native-Speaker:\s*(\w+)', re.MULTILINE)


# The language of the conversation being answered; a context variable, so concurrent requests of one
# process each keep their own.
_SPEAKING: ContextVar[str] = ContextVar("speaking", default=SOURCE_LOCALE)


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Say every message in `locale` within this block (unless a call names another)."""
    token = _SPEAKING.set(locale or SOURCE_LOCALE)
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def spoken_locale() -> str:
    """The language being spoken (English outside any `speaking` block)."""
    return _SPEAKING.get()


class UnknownMessage(KeyError):
    """A message id that no catalog holds (a typo in the code, or a catalog entry removed)."""


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def locales() -> list[str]:
    """Every locale with a catalog, the source first."""
    return [SOURCE_LOCALE, *sorted(p.parents[1].name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
                                   if p.parents[1].name != SOURCE_LOCALE)]


def reviewed_by_native_speaker(locale: str) -> bool:
    """Whether the catalog of `locale` was reviewed by a native speaker (the source language is)."""
    if locale == SOURCE_LOCALE:
        return True
    path = catalog_path(locale)
    found = REVIEWED_HEADER.search(path.read_text(encoding="utf-8")) if path.exists() else None
    return bool(found) and found.group(1).lower() in ("true", "yes")


@lru_cache(maxsize=None)
def catalog(locale: str = SOURCE_LOCALE) -> dict[str, str]:
    """The messages of `locale` by id (empty when the locale has no catalog)."""
    path = catalog_path(locale)
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        entries = read_po(handle, locale=locale)
    return {str(message.id): str(message.string) for message in entries if message.id and message.string}


def say(message_id: str, locale: str | None = None, **params: object) -> str:
    """The text of `message_id` in `locale` (default: the language being spoken; English where that
    catalog lacks it), with `params` filled in."""
    text = catalog(locale or _SPEAKING.get()).get(message_id) or catalog(SOURCE_LOCALE).get(message_id)
    if text is None:
        raise UnknownMessage(message_id)
    return text.format(**params) if params else text


def placeholders(message_id: str, locale: str = SOURCE_LOCALE) -> set[str]:
    """The names of the parameters a message takes."""
    text = catalog(locale).get(message_id) or ""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def say_error(error: object, locale: str | None = None) -> str:
    """The words of an error that names its sentences by id (`referrals.ReferralError.sentences()`)."""
    return " ".join(say(message_id, locale, **params) for message_id, params in error.sentences())
