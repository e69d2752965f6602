"""The hospitals' facts in the patients' languages: `content/translations/<code>.yml` (ko, ru, zh, mn, ar).

Each file translates the `text` of the facts of every content file, by fact id, and says whether a native
speaker has reviewed it (`reviewed_by_native_speaker`, false until one has; an entry may say it for
itself). A translation is stored beside its fact (`kb_fact_translations`), never instead of it: the fact
keeps its English text and its cited sentence, and an answer in another language cites the same seed
file and says the fact is our translation (actions/fact_answers.py).

    language: ko
    reviewed_by_native_speaker: false
    facts:
      snuh_hmo_founded: 서울대학교병원 ... 1978년에 설립되었습니다.
      peds_transplant:                      # an entry reviewed on its own
        text: ...
        reviewed_by_native_speaker: true

Checked here like the rest of the content (a `ContentError` names the file and the entry): the language
is the file's name, every id is a fact of the content, every text is non-empty, and every figure of the
English text (years, counts, sizes, phone numbers) is in the translation, in the same digits (0-9). A
fact without a translation is said in English; tests/knowledge checks that none is missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.catalog import Catalog, ContentError, _check_top_level, _display, _read_yaml
from knowledge.seeds import normalise_whitespace

LANGUAGES = ("ko", "ru", "zh", "mn", "ar")  # the patients' languages besides English (languages.LANGUAGES)
FLAG = "reviewed_by_native_speaker"
# a figure as English writes it: digits with optional thousands commas ("3,200", "1985", "8991")
_FIGURE = re.compile(r"(?<![0-9])[0-9]+(?:,[0-9]{3})*(?![0-9])")


@dataclass(frozen=True)
class FactTranslationEntry:
    """One fact's text in one language, and whether a native speaker has reviewed it."""

    fact_id: str
    language: str
    text: str
    reviewed_by_native_speaker: bool
    where: str


def translations_dir(content_dir: Path) -> Path:
    return Path(content_dir) / "translations"


def figures(text: str) -> list[str]:
    """The figures written in digits in `text`, thousands separators dropped ("3,200" -> "3200")."""
    return [figure.replace(",", "") for figure in _FIGURE.findall(text)]


def load_fact_translations(catalog: Catalog, directory: Path) -> dict[str, dict[str, FactTranslationEntry]]:
    """Every `<code>.yml` in `directory` (none when it does not exist), checked against the catalog's facts:
    language -> fact id -> entry."""
    if not directory.is_dir():
        return {}
    found: dict[str, dict[str, FactTranslationEntry]] = {}
    for path in sorted(directory.glob("*.yml")):
        language, entries = _load_file(catalog, path)
        found[language] = entries
    return found


def _load_file(catalog: Catalog, path: Path) -> tuple[str, dict[str, FactTranslationEntry]]:
    data = _read_yaml(path)
    where = _display(path)
    _check_top_level(data, path, {"language", FLAG, "facts"})
    language = data.get("language")
    if language not in LANGUAGES or language != path.stem:
        raise ContentError(f"{where}: 'language' must be the file's name, one of {', '.join(LANGUAGES)}, "
                           f"got {language!r}")
    reviewed = data.get(FLAG)
    if not isinstance(reviewed, bool):
        raise ContentError(f"{where}: '{FLAG}' (true or false) is required")
    facts = data.get("facts")
    if not isinstance(facts, dict):
        raise ContentError(f"{where}: 'facts' must map fact ids to their translations")
    entries: dict[str, FactTranslationEntry] = {}
    for fact_id, value in facts.items():
        entry_where = f"{where}, facts.{fact_id}"
        fact = catalog.facts.get(fact_id) if isinstance(fact_id, str) else None
        if fact is None:
            raise ContentError(f"{entry_where}: fact {fact_id!r} does not exist in the content")
        text, entry_reviewed = _entry(value, entry_where, reviewed)
        missing = [figure for figure in dict.fromkeys(figures(fact.text)) if figure not in figures(text)]
        if missing:
            raise ContentError(f"{entry_where}: the English text's figure(s) {', '.join(missing)} are not in the "
                               "translation (write them in the same digits, 0-9)")
        entries[fact_id] = FactTranslationEntry(fact_id, language, text, entry_reviewed, entry_where)
    return language, entries


def _entry(value: Any, where: str, file_reviewed: bool) -> tuple[str, bool]:
    """The text of one entry and its review flag (the file's unless the entry says its own)."""
    reviewed = file_reviewed
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"text", FLAG})
        if unknown:
            raise ContentError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))} (allowed: text, {FLAG})")
        reviewed = value.get(FLAG, file_reviewed)
        if not isinstance(reviewed, bool):
            raise ContentError(f"{where}: '{FLAG}' must be true or false")
        value = value.get("text")
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: the translation must be a non-empty text")
    return normalise_whitespace(value), reviewed
