"""The patients' own words for the store's conditions, services, relations and places, per language.

`vocabulary/languages/<code>.yml` (ko, ru, zh, mn, ar) gives, for every condition and service of the curated
vocabulary, every relation of `age_cues.yml` and the units and hospitals patients name, the words patients
and relatives write in that language: general medical vocabulary, never a statement about a hospital.
Ids are the English vocabulary's (or, for a condition, the disease terminology's: `doid_8692`, myeloid
leukemia), so a match in any language gives the same id and canonical (English) name as the English words do,
and routing works unchanged (knowledge/matcher_languages.py matches them).

Each entry: `id`; `terms` (written forms; a `{term: ..., case_sensitive: true}` matches only as written);
`misspellings` (common misspellings, matched like terms); `whole_word` (short words that also occur inside
other words: matched only as a word of their own, see matcher_languages). A term may put the word it names
in square brackets inside the words that must stand around it: "[점]이 커" (a mole, 점, only where it grows;
alone 점 is also "a point") and "我[妈]" are matched as written, and the match is the bracketed word, as the
NLU data annotates it. Checked here like the rest of the vocabulary: an unknown id, a term naming two
things, a Chinese term of one character (it would match inside other words: write the longer word), a
one-syllable Korean term outside `whole_word` or a term with more than one bracketed part is a
`ContentError` naming the file and the entry.

File-level lists the matcher reads: `unrelated_words` (words and phrases that contain or begin like a
vocabulary word but are something else: nothing is read inside them, e.g. a society's name holding
"gynecologic tumor"), `joins_before` / `joins_after` (Korean), `number_words` (ages), and `latin:
{markers: [...]}`: words that say a message in Latin letters is written in this language ("dlya",
"posle"; "mani", "uu"; "3ndi"), so that it is read as well (knowledge/matcher_languages.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.catalog import Catalog, ContentError, _check_top_level, _display, _Entry, _read_yaml
from knowledge.seeds import normalise_whitespace

LANGUAGES = ("ko", "ru", "zh", "mn", "ar")
# section of a language file -> (the catalog table its ids must be in, what to call an id in an error)
SECTIONS = {
    "conditions": ("conditions", "condition"),
    "services": ("services", "service"),
    "relations": ("relations", "relation"),
    "units": ("units", "unit"),
    "hospitals": ("hospitals", "hospital"),
    "organizations": ("organizations", "organization"),
    "out_of_scope": ("out_of_scope", "out-of-scope topic"),
}
# the matcher's kind for each section (knowledge.matcher's kind names)
KIND_OF_SECTION = {"conditions": "condition", "services": "service", "relations": "relation", "units": "unit",
                   "hospitals": "hospital", "organizations": "organization", "out_of_scope": "out_of_scope"}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# a condition of the disease terminology (vocabulary/disease_ontology.json, merged after this file is read):
# its words are matched when the catalog has it ("myeloid leukemia", doid_8692, as in English)
TERMINOLOGY_ID = re.compile(r"doid_\d+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass(frozen=True)
class LanguageTerm:
    """One written form of a vocabulary entry in one language."""

    kind: str  # condition | service | relation | unit | hospital | organization | out_of_scope
    id: str
    text: str
    whole_word: bool = False
    case_sensitive: bool = False
    where: str = ""
    # the characters of `text` the match reports ("[점]이 커" -> text "점이 커", core (0, 1)); None: all of it
    core: tuple[int, int] | None = None


@dataclass(frozen=True)
class LanguageVocabulary:
    """One language file, checked: its terms and the few word lists its matching reads."""

    code: str
    reviewed_by_native_speaker: bool
    terms: tuple[LanguageTerm, ...]
    where: str
    # words a whole-word term may be written against without a space (Korean "우리" + "딸", "딸" + "이")
    joins_before: tuple[str, ...] = ()
    joins_after: tuple[str, ...] = ()
    # words that begin like a vocabulary word but are another word (Mongolian "хүүхэн", a girl, not "хүү")
    unrelated_words: frozenset[str] = frozenset()
    number_words: dict[str, int] = field(default_factory=dict)
    # words that say a message in Latin letters is in this language (read then in Latin letters too)
    latin_markers: frozenset[str] = frozenset()

    def ids(self, kind: str) -> set[str]:
        """The ids this language has words for, of one kind."""
        return {term.id for term in self.terms if term.kind == kind}


def load_languages(catalog: Catalog, directory: Path) -> dict[str, LanguageVocabulary]:
    """Every `<code>.yml` in `directory` (none when it does not exist), checked against the catalog's ids."""
    if not directory.is_dir():
        return {}
    vocabularies = {}
    for path in sorted(directory.glob("*.yml")):
        vocabulary = _load_language(catalog, path)
        vocabularies[vocabulary.code] = vocabulary
    return vocabularies


def _load_language(catalog: Catalog, path: Path) -> LanguageVocabulary:
    data = _read_yaml(path)
    where = _display(path)
    _check_top_level(data, path, {"language", "reviewed_by_native_speaker", "joins_before", "joins_after",
                                  "unrelated_words", "number_words", "latin", *SECTIONS})
    code = data.get("language")
    if code not in LANGUAGES or code != path.stem:
        raise ContentError(f"{where}: 'language' must be the file's name, one of {', '.join(LANGUAGES)}, got {code!r}")
    reviewed = data.get("reviewed_by_native_speaker")
    if not isinstance(reviewed, bool):
        raise ContentError(f"{where}: 'reviewed_by_native_speaker' (true or false) is required")
    terms: list[LanguageTerm] = []
    owners: dict[str, tuple[str, str, str]] = {}  # written form -> (kind, id, where), one thing per form
    for section, (table, what) in SECTIONS.items():
        seen: dict[str, str] = {}
        for raw, entry_where in _located(data, section, where):
            e = _Entry(raw, entry_where, {"id", "terms", "misspellings", "whole_word"})
            row_id = e.ident()
            terminology = section == "conditions" and TERMINOLOGY_ID.fullmatch(row_id)
            if row_id not in getattr(catalog, table) and not terminology:
                e.fail(f"{what} {row_id!r} does not exist in the English vocabulary or content")
            if row_id in seen:
                e.fail(f"{what} {row_id!r} is listed twice (first at {seen[row_id]})")
            seen[row_id] = entry_where
            found = _entry_terms(e, KIND_OF_SECTION[section], row_id, code)
            if not found:
                e.fail("give at least one of 'terms', 'misspellings' or 'whole_word'")
            for term in found:
                key = term.text if term.case_sensitive else term.text.casefold()
                owner = (term.kind, term.id, entry_where)
                if key in owners and owners[key][:2] != owner[:2]:
                    e.fail(f"the term {term.text!r} also names {owners[key][0]} {owners[key][1]!r} "
                           f"({owners[key][2]}); a term may name one thing")
                owners[key] = owner
            terms.extend(found)
    return LanguageVocabulary(code, reviewed, tuple(terms), where, _words(data, "joins_before", where),
                              _words(data, "joins_after", where), frozenset(_words(data, "unrelated_words", where)),
                              _number_words(data, where), _latin_markers(data, where))


def _located(data: dict[str, Any], key: str, where: str) -> list[tuple[Any, str]]:
    """The entries of a section, each with where it is ("ko.yml, conditions[3] (id 'leukemia')"), as
    catalog._entries says it, with the file's name worked out once (not for each of ~700 entries)."""
    values = data.get(key) or []
    if not isinstance(values, list):
        raise ContentError(f"{where}: {key!r} must be a list")
    return [(value, f"{where}, {key}[{index}]" + (f" (id {value.get('id')!r})"
                                                   if isinstance(value, dict) and value.get("id") else ""))
            for index, value in enumerate(values)]


def _entry_terms(e: _Entry, kind: str, row_id: str, code: str) -> list[LanguageTerm]:
    """The terms of one entry, each checked for the language's rules on short words."""
    found = []
    for key in ("terms", "misspellings", "whole_word"):
        values = e.data.get(key) or []
        if not isinstance(values, list):
            e.fail(f"field {key!r} must be a list")
        for value in values:
            case_sensitive = False
            if isinstance(value, dict) and key != "whole_word":
                sub = _Entry(value, f"{e.where}, {key} {value.get('term')!r}", {"term", "case_sensitive"})
                text, case_sensitive = sub.text("term"), bool(value.get("case_sensitive", False))
            elif isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                text = normalise_whitespace(str(value))
            else:
                e.fail(f"field {key!r} has an empty or non-text entry")
            whole_word = key == "whole_word"
            text, core = _core(e, text, case_sensitive)
            letters = [ch for ch in text if not ch.isspace()]
            if code == "zh" and _HAN.search(text) and len(letters) < 2:
                e.fail(f"the one-character term {text!r} would match inside other Chinese words; "
                       "write the word it is part of")
            if code == "ko" and _HANGUL.search(text) and len(letters) < 2 and not whole_word:
                e.fail(f"the one-syllable term {text!r} occurs inside other Korean words; list it under 'whole_word'")
            found.append(LanguageTerm(kind, row_id, text, whole_word, case_sensitive, e.where, core))
    return found


def _core(e: _Entry, written: str, case_sensitive: bool) -> tuple[str, tuple[int, int] | None]:
    """A term without its brackets and the place of the bracketed word in it ("[점]이 커" -> "점이 커", (0, 1))."""
    if "[" not in written and "]" not in written:
        return written, None
    opening, closing = written.find("["), written.find("]")
    if (written.count("[") != 1 or written.count("]") != 1 or closing < opening + 2
            or not written[opening + 1:closing].strip() or case_sensitive):
        e.fail(f"the term {written!r} must bracket one word of it, once (and cannot be case-sensitive)")
    text = written[:opening] + written[opening + 1:closing] + written[closing + 1:]
    if text == written[opening + 1:closing]:
        e.fail(f"the term {written!r} brackets all of itself: write it without brackets")
    return text, (opening, closing - 1)


def _words(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = data.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ContentError(f"{where}: {key!r} must be a list of words")
    return tuple(v.strip().lower() for v in values)


def _latin_markers(data: dict[str, Any], where: str) -> frozenset[str]:
    latin = data.get("latin") or {}
    if not isinstance(latin, dict) or set(latin) - {"markers"}:
        raise ContentError(f"{where}: 'latin' must be a mapping with 'markers' (a list of words)")
    markers = _words(latin, "markers", where)
    if any(not re.fullmatch(r"[a-z0-9']+", marker) for marker in markers):
        raise ContentError(f"{where}: latin 'markers' must be single words in Latin letters")
    return frozenset(markers)


def _number_words(data: dict[str, Any], where: str) -> dict[str, int]:
    values = data.get("number_words") or {}
    if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 120
            for k, v in values.items()):
        raise ContentError(f"{where}: 'number_words' must map words to whole numbers from 0 to 120")
    return {k.strip().lower(): v for k, v in values.items()}
