"""Read and validate the curated YAML (hospital content and general vocabulary) in memory.

`load_catalog()` parses every file under `knowledge/content/` and `knowledge/vocabulary/`, checks it,
and returns a `Catalog` of plain objects. Nothing touches a database here: the loader writes a
catalog only after it has passed every check, and the term matcher is built from a catalog, so it
works without a database.

Any problem raises `ContentError` naming the file and the entry, e.g.
``knowledge/content/x.yml, facts[3] (id 'snuh_hmo_car_t'): cites quote 'car_t', which is not defined``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.seeds import SOURCES_DIR, normalise_whitespace, normalised_seed
from knowledge.topics import TOPICS

PACKAGE_DIR = Path(__file__).resolve().parent
CONTENT_DIR = PACKAGE_DIR / "content"
VOCABULARY_DIR = PACKAGE_DIR / "vocabulary"

AGE_GROUPS = ("child", "adult")
UNIT_KINDS = ("department", "division", "field", "center")
CONTACT_KINDS = ("phone",)
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_AS_OF_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_NUMBER_WORDS = {
    1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
    10: "ten", 11: "eleven", 12: "twelve",
}


class ContentError(Exception):
    """The curated content is broken; the message names the file and the entry."""


# --------------------------------------------------------------------------------------------------
# The in-memory model. Field names follow the YAML; `where` says which file and entry a row came
# from, for error messages.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A seed file name and a sentence copied verbatim from it (whitespace normalised)."""

    file: str
    sentence: str


@dataclass(frozen=True)
class Term:
    """One way of writing a name: the canonical name, an alias or a known misspelling."""

    text: str
    kind: str = "alias"  # 'name' | 'alias' | 'misspelling'
    case_sensitive: bool = False


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    description: str
    broader: str | None
    where: str
    # the Human Disease Ontology classes whose terms belong to the category: ((DO id, name), ...)
    ontology_classes: tuple[tuple[str, str], ...] = ()
    ontology_subset: str | None = None  # a DO subset whose solid tumors belong here (childhood cancer slim)
    # the category a patient who is a woman or girl is routed by instead (a sex cord-stromal tumour is
    # ovarian in a woman, testicular in a man)
    in_women: str | None = None


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    category: str
    parent: str | None
    implies_age_group: str | None
    terms: tuple[Term, ...]
    where: str
    # lay descriptions with gaps ("platelet * low|dropping"): see TermMatcher._find_descriptions
    descriptions: tuple[str, ...] = ()
    # for a condition taken from the disease terminology (knowledge.ontology_merge): its DO id, and
    # the names from it up to what decided its category ("placenta cancer", "female reproductive
    # organ cancer"), which the routing explanation reads
    ontology_id: str | None = None
    ontology_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sense:
    """A word that names `otherwise` instead of `means` when the message has a `when` word and no
    `unless` word ("mole" with "pregnancy"): vocabulary/senses.yml."""

    term: str
    means: str
    otherwise: str
    when: frozenset[str]
    unless: frozenset[str]
    where: str


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    description: str
    parent: str | None
    terms: tuple[Term, ...]
    where: str
    # The patient's condition decides which unit gives it (chemotherapy, surgery, trials): the service
    # alone routes nowhere, the bot asks for the condition.
    condition_decides: bool = False


@dataclass(frozen=True)
class OutOfScopeTopic:
    id: str
    name: str
    terms: tuple[Term, ...]
    where: str


@dataclass(frozen=True)
class Relation:
    id: str
    name: str
    is_child: bool | None
    terms: tuple[Term, ...]
    where: str


@dataclass(frozen=True)
class Hospital:
    id: str
    name: str
    short_name: str | None
    site_owner: str | None
    note: str | None
    note_citation: Citation | None
    terms: tuple[Term, ...]
    citation: Citation
    where: str


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    short_name: str | None
    description: str
    terms: tuple[Term, ...]
    citation: Citation
    where: str


@dataclass(frozen=True)
class Unit:
    id: str
    hospital: str
    parent: str | None
    kind: str
    name: str
    official_name: str | None
    serves_age_group: str | None
    age_group_note: str | None
    terms: tuple[Term, ...]
    citation: Citation
    where: str


@dataclass(frozen=True)
class Treatment:
    """A unit treats a condition, or every condition of a category, for an age group."""

    id: str
    unit: str
    condition: str | None
    category: str | None
    age_group: str  # 'child' | 'adult' | 'any'
    reason: str
    note: str | None
    as_of: str | None
    as_of_citation: Citation | None
    citation: Citation
    where: str


@dataclass(frozen=True)
class Offering:
    id: str
    unit: str
    service: str
    text: str
    as_of: str | None
    as_of_citation: Citation | None
    citation: Citation
    where: str


@dataclass(frozen=True)
class Partner:
    id: str
    unit: str
    department: str
    purpose: str
    citation: Citation
    where: str


@dataclass(frozen=True)
class FollowUpStep:
    id: str
    unit: str
    step: int
    text: str
    citation: Citation
    where: str


@dataclass(frozen=True)
class Contact:
    id: str
    organization: str | None
    hospital: str | None
    about_hospital: str | None
    kind: str
    value: str
    label: str
    note: str | None
    citation: Citation
    where: str


@dataclass(frozen=True)
class FactEntry:
    id: str
    topics: tuple[str, ...]
    text: str
    hospital: str | None
    unit: str | None
    organization: str | None
    value: float | None
    value_max: float | None
    value_unit: str | None
    since: str | None
    as_of: str | None
    as_of_citation: Citation | None
    services: tuple[str, ...]
    conditions: tuple[str, ...]
    citation: Citation
    where: str


@dataclass
class Catalog:
    """Everything the knowledge store holds, parsed and validated, keyed by id where rows have one."""

    categories: dict[str, Category] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    out_of_scope: dict[str, OutOfScopeTopic] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    sex_words: dict[str, str] = field(default_factory=dict)  # "wife" -> "female"
    spelling_variants: dict[str, str] = field(default_factory=dict)
    known_words: frozenset[str] = frozenset()
    number_words: dict[str, int] = field(default_factory=dict)
    adult_from_age: int = 18
    hospitals: dict[str, Hospital] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    treatments: dict[str, Treatment] = field(default_factory=dict)
    offerings: dict[str, Offering] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)
    follow_up: dict[str, FollowUpStep] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    facts: dict[str, FactEntry] = field(default_factory=dict)
    # From the disease terminology (knowledge.ontology_merge), kept apart from the curated
    # `conditions` so that the NLU lookup tables (export_nlu) stay the curated words: the terms
    # that are not curated conditions, the extra names of curated conditions, and the file's
    # `about` block (source, release, license).
    ontology_conditions: dict[str, Condition] = field(default_factory=dict)
    ontology_aliases: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    ontology_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)  # curated id -> DO ids it stands for
    terminology: dict = field(default_factory=dict)
    senses: tuple[Sense, ...] = ()
    # the patients' words in other languages (vocabulary/languages/<code>.yml, knowledge.vocabulary_languages)
    languages: dict[str, Any] = field(default_factory=dict)
    # the facts' texts in other languages (content/translations/<code>.yml, knowledge.fact_translations):
    # language -> fact id -> FactTranslationEntry
    fact_translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def all_conditions(self) -> dict[str, Condition]:
        """Curated and terminology conditions together (curated first; ids never collide)."""
        return {**self.conditions, **self.ontology_conditions}

    def citations(self) -> list[Citation]:
        """Every citation of every row (including notes and as-of dates), in content order."""
        rows: list[Any] = [
            *self.hospitals.values(), *self.organizations.values(), *self.units.values(),
            *self.treatments.values(), *self.offerings.values(), *self.partners.values(),
            *self.follow_up.values(), *self.contacts.values(), *self.facts.values(),
        ]
        found: list[Citation] = []
        for row in rows:
            found.append(row.citation)
            for extra in ("note_citation", "as_of_citation"):
                if getattr(row, extra, None) is not None:
                    found.append(getattr(row, extra))
        return found

    def unit_lineage(self, unit_id: str) -> list[str]:
        """The unit and its parent units, nearest first."""
        lineage = []
        current: str | None = unit_id
        while current is not None:
            lineage.append(current)
            current = self.units[current].parent
        return lineage

    def unit_full_name(self, unit_id: str) -> str:
        """The unit's name followed by its parent units', e.g. "Hematology, Division of ..., Department of ..."."""
        return ", ".join(self.units[u].name for u in self.unit_lineage(unit_id))


# --------------------------------------------------------------------------------------------------
# YAML reading
# --------------------------------------------------------------------------------------------------


# LibYAML's parser when available: the pure-Python one makes every build and test a second slower.
_SafeLoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoaderBase):  # type: ignore[misc, valid-type]
    """A safe loader that refuses duplicate keys, which PyYAML would otherwise silently overwrite."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PACKAGE_DIR.parent))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 - strict safe loader
    except yaml.YAMLError as error:
        raise ContentError(f"{_display(path)}: not valid YAML: {error}") from None
    except OSError as error:
        raise ContentError(f"{_display(path)}: cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{_display(path)}: expected a mapping at the top level")
    return data


class _Entry:
    """One YAML mapping being read, with checks that name the file and entry on failure."""

    def __init__(self, data: Any, where: str, allowed: set[str]):
        self.where = where
        if not isinstance(data, dict):
            self.fail("expected a mapping of fields")
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(f"unknown field(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(sorted(allowed))})")
        self.data = data

    def fail(self, problem: str) -> None:
        raise ContentError(f"{self.where}: {problem}")

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"field {key!r} is required")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(f"field {key!r} must be text")
        return normalise_whitespace(str(value))

    def ident(self, key: str = "id", required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is not None and not _ID_PATTERN.match(value):
            self.fail(f"field {key!r} must be a lower-case id (letters, digits, underscores), got {value!r}")
        return value

    def flag(self, key: str) -> bool:
        """A yes/no field, false when absent."""
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"'{key}' must be true or false")
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"field {key!r} must be a number")
        return float(value)

    def choice(self, key: str, options: tuple[str, ...], required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is not None and value not in options:
            self.fail(f"field {key!r} must be one of {', '.join(options)}, got {value!r}")
        return value

    def descriptions(self, key: str) -> tuple[str, ...]:
        """Lay description patterns: words or alternatives ("low|dropping") and gaps ("*"), not
        starting or ending with a gap."""
        value = self.data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"field {key!r} must be a list of patterns")
        patterns = tuple(normalise_whitespace(v) for v in value)
        for pattern in patterns:
            slots = pattern.split(" ")
            if slots[0] == "*" or slots[-1] == "*" or "" in (a for slot in slots for a in slot.split("|")):
                self.fail(f"pattern {pattern!r} in {key!r} must start and end with a word, without empty alternatives")
        return patterns

    def id_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"field {key!r} must be a list of ids")
        if len(set(value)) != len(value):
            self.fail(f"field {key!r} lists an id twice")
        return tuple(value)

    def terms(self, name: str, *keys: str) -> tuple[Term, ...]:
        """The canonical name plus the aliases/misspellings listed under `keys`."""
        terms = [Term(name, "name")]
        for key in keys:
            values = self.data.get(key) or []
            if not isinstance(values, list):
                self.fail(f"field {key!r} must be a list")
            for value in values:
                if isinstance(value, dict):
                    sub = _Entry(value, f"{self.where}, {key} {value.get('term')!r}", {"term", "case_sensitive"})
                    terms.append(Term(sub.text("term"), _term_kind(key), bool(value.get("case_sensitive", False))))
                elif isinstance(value, str) and value.strip():
                    terms.append(Term(normalise_whitespace(value), _term_kind(key)))
                else:
                    self.fail(f"field {key!r} has an empty or non-text entry")
        return tuple(terms)


def _term_kind(key: str) -> str:
    return "misspelling" if key == "misspellings" else "alias"


def _entries(data: dict[str, Any], key: str, path: Path) -> list[tuple[Any, str]]:
    values = data.get(key) or []
    if not isinstance(values, list):
        raise ContentError(f"{_display(path)}: {key!r} must be a list")
    located = []
    for index, value in enumerate(values):
        label = f"id {value.get('id')!r}" if isinstance(value, dict) and value.get("id") else None
        located.append((value, f"{_display(path)}, {key}[{index}]" + (f" ({label})" if label else "")))
    return located


def _check_top_level(data: dict[str, Any], path: Path, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ContentError(f"{_display(path)}: unknown section(s) {', '.join(map(repr, unknown))}")


# --------------------------------------------------------------------------------------------------
# Citations
# --------------------------------------------------------------------------------------------------


class _Quotes:
    """The `quotes` block of a content file: named sentences copied verbatim from its seed page."""

    def __init__(self, data: dict[str, Any], path: Path, sources_dir: Path):
        self.path = path
        self.sources_dir = sources_dir
        seed = data.get("seed")
        if not isinstance(seed, str) or not seed.strip():
            raise ContentError(f"{_display(path)}: field 'seed' (the seed file this content comes from) is required")
        self.seed = seed.strip()
        if not (sources_dir / self.seed).is_file():
            raise ContentError(f"{_display(path)}: seed file {self.seed!r} does not exist in {_display(sources_dir)}")
        raw = data.get("quotes") or {}
        if not isinstance(raw, dict) or not raw:
            raise ContentError(f"{_display(path)}: 'quotes' must map names to sentences copied from {self.seed}")
        self.sentences: dict[str, str] = {}
        self.used: set[str] = set()
        for key, sentence in raw.items():
            where = f"{_display(path)}, quotes.{key}"
            if not isinstance(sentence, str) or not sentence.strip():
                raise ContentError(f"{where}: must be a sentence")
            _require_verbatim(sentence, self.seed, where, sources_dir)
            self.sentences[str(key)] = normalise_whitespace(sentence)

    def cite(self, entry: _Entry, key: str = "cite", required: bool = True) -> Citation | None:
        """Resolve a `cite` field: a quote name, or {file, sentence} for another file in the sources."""
        value = entry.data.get(key)
        if value is None:
            if required:
                entry.fail(f"field {key!r} is required: every row must cite the sentence it comes from")
            return None
        if isinstance(value, dict):
            sub = _Entry(value, f"{entry.where}, {key}", {"file", "sentence"})
            file_name, sentence = sub.text("file"), sub.text("sentence")
            if not (self.sources_dir / file_name).is_file():
                sub.fail(f"cites file {file_name!r}, which is not in {_display(self.sources_dir)}")
            _require_verbatim(sentence, file_name, sub.where, self.sources_dir)
            return Citation(file_name, sentence)
        if not isinstance(value, str) or value not in self.sentences:
            entry.fail(f"cites quote {value!r}, which is not defined in this file's 'quotes'")
        self.used.add(value)
        return Citation(self.seed, self.sentences[value])

    def check_all_used(self) -> None:
        unused = [key for key in self.sentences if key not in self.used]
        if unused:
            raise ContentError(
                f"{_display(self.path)}, quotes: {', '.join(map(repr, unused))} never cited; cite or remove them"
            )


def _require_verbatim(sentence: str, file_name: str, where: str, sources_dir: Path) -> None:
    needle = normalise_whitespace(sentence)
    if needle not in normalised_seed(file_name, sources_dir):
        raise ContentError(
            f"{where}: the cited sentence is not a verbatim part of {file_name} "
            f"(only whitespace may differ; quotes and apostrophes must match the page): {needle[:120]!r}"
        )


def _figure_in(value: float, sentence: str) -> bool:
    """Whether a figure appears in the sentence as digits (3200 or 3,200) or as a number word."""
    if value != int(value):
        return str(value) in sentence
    number = int(value)
    digits = re.sub(r"(?<=\d),(?=\d{3})", "", sentence)
    return (
        re.search(rf"(?<![\d.]){number}(?![\d])", digits) is not None
        or (_NUMBER_WORDS.get(number, "\0") in sentence.lower())
    )


# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------


def _load_vocabulary(catalog: Catalog, vocabulary_dir: Path) -> None:
    path = vocabulary_dir / "categories.yml"
    data = _read_yaml(path)
    _check_top_level(data, path, {"categories"})
    for raw, where in _entries(data, "categories", path):
        e = _Entry(raw, where, {"id", "label", "broader", "description", "ontology_classes", "ontology_subset",
                                "in_women"})
        classes = raw.get("ontology_classes") or []
        if not isinstance(classes, list) or not all(
                isinstance(c, dict) and set(c) == {"id", "name"} and all(isinstance(v, str) for v in c.values())
                for c in classes):
            e.fail("field 'ontology_classes' must be a list of {id, name}")
        category = Category(e.ident(), e.text("label"), e.text("description"), e.ident("broader", False), where,
                            tuple((c["id"], c["name"]) for c in classes), e.text("ontology_subset", False),
                            e.ident("in_women", False))
        _add_unique(catalog.categories, category, "category")

    path = vocabulary_dir / "conditions.yml"
    data = _read_yaml(path)
    _check_top_level(data, path, {"conditions"})
    for raw, where in _entries(data, "conditions", path):
        e = _Entry(raw, where, {"id", "name", "category", "parent", "aliases", "misspellings", "implies_age_group",
                                "descriptions"})
        name = e.text("name")
        condition = Condition(
            e.ident(), name, e.ident("category"), e.ident("parent", False),
            e.choice("implies_age_group", AGE_GROUPS, False), e.terms(name, "aliases", "misspellings"), where,
            e.descriptions("descriptions"),
        )
        _add_unique(catalog.conditions, condition, "condition")

    path = vocabulary_dir / "services.yml"
    data = _read_yaml(path)
    _check_top_level(data, path, {"services"})
    for raw, where in _entries(data, "services", path):
        e = _Entry(raw, where, {"id", "name", "parent", "description", "aliases", "misspellings",
                                "condition_decides"})
        name = e.text("name")
        service = Service(e.ident(), name, e.text("description"), e.ident("parent", False),
                          e.terms(name, "aliases", "misspellings"), where, e.flag("condition_decides"))
        _add_unique(catalog.services, service, "service")

    path = vocabulary_dir / "out_of_scope.yml"
    data = _read_yaml(path)
    _check_top_level(data, path, {"out_of_scope"})
    for raw, where in _entries(data, "out_of_scope", path):
        e = _Entry(raw, where, {"id", "name", "aliases"})
        name = e.text("name")
        _add_unique(catalog.out_of_scope, OutOfScopeTopic(e.ident(), name, e.terms(name, "aliases"), where),
                    "out-of-scope topic")

    path = vocabulary_dir / "age_cues.yml"
    data = _read_yaml(path)
    _check_top_level(data, path, {"adult_from_age", "relations", "number_words", "sex_words"})
    adult_from_age = data.get("adult_from_age", 18)
    if not isinstance(adult_from_age, int) or not 1 <= adult_from_age <= 30:
        raise ContentError(f"{_display(path)}: 'adult_from_age' must be a whole number of years")
    catalog.adult_from_age = adult_from_age
    for raw, where in _entries(data, "relations", path):
        e = _Entry(raw, where, {"id", "name", "is_child", "aliases"})
        is_child = raw.get("is_child")
        if is_child not in (True, False, None):
            e.fail("field 'is_child' must be true, false or null")
        name = e.text("name")
        _add_unique(catalog.relations, Relation(e.ident(), name, is_child, e.terms(name, "aliases"), where), "relation")
    words = data.get("number_words") or {}
    if not isinstance(words, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in words.values()):
        raise ContentError(f"{_display(path)}: 'number_words' must map words to whole numbers")
    catalog.number_words = {str(k).lower(): v for k, v in words.items()}
    sexes = data.get("sex_words") or {}
    if not isinstance(sexes, dict) or set(sexes) - {"female", "male"} or not all(
            isinstance(v, list) and all(isinstance(w, str) for w in v) for v in sexes.values()):
        raise ContentError(f"{_display(path)}: 'sex_words' must map female and male to lists of words")
    catalog.sex_words = {word.lower(): sex for sex, words_of_sex in sexes.items() for word in words_of_sex}

    path = vocabulary_dir / "spelling.yml"
    data = _read_yaml(path)
    _check_top_level(data, path, {"variants", "known_words"})
    variants = data.get("variants") or {}
    if not isinstance(variants, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in variants.items()):
        raise ContentError(f"{_display(path)}: 'variants' must map words to words")
    catalog.spelling_variants = {k.lower(): v.lower() for k, v in variants.items()}
    known_words = data.get("known_words") or []
    if not isinstance(known_words, list) or not all(isinstance(w, str) for w in known_words):
        raise ContentError(f"{_display(path)}: 'known_words' must be a list of words")
    catalog.known_words = frozenset(w.lower() for w in known_words)


def _add_unique(table: dict[str, Any], row: Any, what: str) -> None:
    if row.id in table:
        raise ContentError(f"{row.where}: duplicate {what} id {row.id!r} (first defined at {table[row.id].where})")
    table[row.id] = row


# --------------------------------------------------------------------------------------------------
# Hospital content
# --------------------------------------------------------------------------------------------------

_CONTENT_SECTIONS = {
    "seed", "quotes", "hospitals", "organizations", "units", "treats", "offers", "partners", "follow_up",
    "contacts", "facts",
}


def _load_content_file(catalog: Catalog, path: Path, sources_dir: Path) -> None:
    data = _read_yaml(path)
    _check_top_level(data, path, _CONTENT_SECTIONS)
    quotes = _Quotes(data, path, sources_dir)

    for raw, where in _entries(data, "hospitals", path):
        e = _Entry(raw, where, {"id", "name", "short_name", "aliases", "site_owner", "note", "note_cite", "cite"})
        name = e.text("name")
        note = e.text("note", False)
        note_citation = quotes.cite(e, "note_cite", required=note is not None)
        hospital = Hospital(e.ident(), name, e.text("short_name", False), e.ident("site_owner", False), note,
                            note_citation, e.terms(name, "aliases"), quotes.cite(e), where)
        _add_unique(catalog.hospitals, hospital, "hospital")

    for raw, where in _entries(data, "organizations", path):
        e = _Entry(raw, where, {"id", "name", "short_name", "aliases", "description", "cite"})
        name = e.text("name")
        organization = Organization(e.ident(), name, e.text("short_name", False), e.text("description"),
                                    e.terms(name, "aliases"), quotes.cite(e), where)
        _add_unique(catalog.organizations, organization, "organization")

    for raw, where in _entries(data, "units", path):
        e = _Entry(raw, where, {"id", "hospital", "parent", "kind", "name", "official_name", "aliases",
                                "serves_age_group", "age_group_note", "cite"})
        name = e.text("name")
        unit = Unit(e.ident(), e.ident("hospital"), e.ident("parent", False), e.choice("kind", UNIT_KINDS), name,
                    e.text("official_name", False), e.choice("serves_age_group", AGE_GROUPS, False),
                    e.text("age_group_note", False), e.terms(name, "aliases"), quotes.cite(e), where)
        _add_unique(catalog.units, unit, "unit")

    for raw, where in _entries(data, "treats", path):
        e = _Entry(raw, where, {"unit", "condition", "category", "age_group", "reason", "note", "as_of", "as_of_cite",
                                "cite"})
        unit, condition, category = e.ident("unit"), e.ident("condition", False), e.ident("category", False)
        if (condition is None) == (category is None):
            e.fail("give exactly one of 'condition' or 'category'")
        age_group = e.choice("age_group", (*AGE_GROUPS, "any"))
        row_id = f"treats:{unit}:{condition or 'category:' + category}:{age_group}"
        as_of, as_of_citation = _dated(e, quotes)
        treatment = Treatment(row_id, unit, condition, category, age_group, e.text("reason"), e.text("note", False),
                              as_of, as_of_citation, quotes.cite(e), where)
        _add_unique(catalog.treatments, treatment, "treatment row")

    for raw, where in _entries(data, "offers", path):
        e = _Entry(raw, where, {"unit", "service", "text", "as_of", "as_of_cite", "cite"})
        unit, service = e.ident("unit"), e.ident("service")
        as_of, as_of_citation = _dated(e, quotes)
        offering = Offering(f"offers:{unit}:{service}", unit, service, e.text("text"), as_of, as_of_citation,
                            quotes.cite(e), where)
        _add_unique(catalog.offerings, offering, "offering (unit and service)")

    for raw, where in _entries(data, "partners", path):
        e = _Entry(raw, where, {"unit", "department", "purpose", "cite"})
        unit, department = e.ident("unit"), e.text("department")
        slug = re.sub(r"[^a-z0-9]+", "_", department.lower()).strip("_")
        partner = Partner(f"partners:{unit}:{slug}", unit, department, e.text("purpose"), quotes.cite(e), where)
        _add_unique(catalog.partners, partner, "partner department")

    for raw, where in _entries(data, "follow_up", path):
        e = _Entry(raw, where, {"unit", "step", "text", "cite"})
        unit, step = e.ident("unit"), e.number("step")
        if step is None or step != int(step) or step < 1:
            e.fail("field 'step' must be a whole number from 1")
        row = FollowUpStep(f"follow_up:{unit}:{int(step)}", unit, int(step), e.text("text"), quotes.cite(e), where)
        _add_unique(catalog.follow_up, row, "follow-up step")

    for raw, where in _entries(data, "contacts", path):
        e = _Entry(raw, where, {"id", "organization", "hospital", "about_hospital", "kind", "value", "label", "note",
                                "cite"})
        contact = Contact(e.ident(), e.ident("organization", False), e.ident("hospital", False),
                          e.ident("about_hospital", False), e.choice("kind", CONTACT_KINDS), e.text("value"),
                          e.text("label"), e.text("note", False), quotes.cite(e), where)
        if contact.organization is None and contact.hospital is None:
            e.fail("a contact belongs to an 'organization' or a 'hospital'")
        _check_contact_in_source(e, contact)
        _add_unique(catalog.contacts, contact, "contact")

    for raw, where in _entries(data, "facts", path):
        e = _Entry(raw, where, {"id", "topics", "text", "hospital", "unit", "organization", "value", "value_max",
                                "value_unit", "since", "as_of", "as_of_cite", "services", "conditions", "cite"})
        topics = e.id_list("topics")
        if not topics:
            e.fail("field 'topics' needs at least one topic")
        for topic in topics:
            if topic not in TOPICS:
                e.fail(f"unknown topic {topic!r}; topics are: {', '.join(TOPICS)}")
        as_of, as_of_citation = _dated(e, quotes)
        fact = FactEntry(
            e.ident(), topics, e.text("text"), e.ident("hospital", False), e.ident("unit", False),
            e.ident("organization", False), e.number("value"), e.number("value_max"), e.text("value_unit", False),
            e.text("since", False), as_of, as_of_citation,
            e.id_list("services"), e.id_list("conditions"), quotes.cite(e), where,
        )
        _check_fact_figures(e, fact)
        _add_unique(catalog.facts, fact, "fact")

    quotes.check_all_used()


def _dated(e: _Entry, quotes: _Quotes) -> tuple[str | None, Citation | None]:
    """The optional `as_of` date and the quote that dates it (required together; the year must be in it)."""
    as_of = e.text("as_of", False)
    citation = quotes.cite(e, "as_of_cite", required=as_of is not None)
    if as_of is None:
        if citation is not None:
            e.fail("'as_of_cite' without 'as_of'")
        return None, None
    if not _AS_OF_PATTERN.match(as_of):
        e.fail(f"as_of {as_of!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    if as_of[:4] not in citation.sentence:
        e.fail(f"as_of {as_of!r}: its year is not in the cited date sentence")
    return as_of, citation


def _check_contact_in_source(e: _Entry, contact: Contact) -> None:
    # "+82-43-713-8992" is written "+82-43-713-8991,8992" on the page: the last four digits and the
    # shared prefix must both be in the cited sentence.
    digits = contact.value.replace(" ", "")
    prefix, _, last = digits.rpartition("-")
    if contact.citation.sentence.find(prefix) < 0 or last not in contact.citation.sentence:
        e.fail(f"contact value {contact.value!r} is not in the cited sentence")


def _check_fact_figures(e: _Entry, fact: FactEntry) -> None:
    """Figures and dates must come from the page: each one appears in the sentence it cites."""
    if fact.unit is None and fact.hospital is None and fact.organization is None:
        e.fail("a fact needs a 'unit', 'hospital' or 'organization' it is about")
    for key, figure in (("value", fact.value), ("value_max", fact.value_max)):
        if figure is not None and not _figure_in(figure, fact.citation.sentence):
            e.fail(f"{key} {figure:g} does not appear in the cited sentence")
    if fact.value_max is not None and (fact.value is None or fact.value_max < fact.value):
        e.fail("'value_max' needs a 'value' no larger than it")
    if (fact.value is None) != (fact.value_unit is None):
        e.fail("'value' and 'value_unit' go together")
    if fact.since is not None and fact.since not in fact.citation.sentence:
        e.fail(f"since {fact.since!r} does not appear in the cited sentence")


# --------------------------------------------------------------------------------------------------
# Cross-reference checks
# --------------------------------------------------------------------------------------------------


def _check_references(catalog: Catalog) -> None:
    def require(row: Any, field_name: str, table: dict[str, Any], what: str) -> None:
        value = getattr(row, field_name)
        if value is not None and value not in table:
            raise ContentError(f"{row.where}: {field_name} {value!r} refers to a {what} that does not exist")

    for category in catalog.categories.values():
        require(category, "broader", catalog.categories, "category")
        require(category, "in_women", catalog.categories, "category")
    for condition in catalog.conditions.values():
        require(condition, "category", catalog.categories, "category")
        require(condition, "parent", catalog.conditions, "condition")
    for service in catalog.services.values():
        require(service, "parent", catalog.services, "service")
    for hospital in catalog.hospitals.values():
        require(hospital, "site_owner", catalog.hospitals, "hospital")
    for unit in catalog.units.values():
        require(unit, "hospital", catalog.hospitals, "hospital")
        require(unit, "parent", catalog.units, "unit")
        if unit.parent and catalog.units[unit.parent].hospital != unit.hospital:
            raise ContentError(f"{unit.where}: parent unit {unit.parent!r} belongs to another hospital")
    for treatment in catalog.treatments.values():
        require(treatment, "unit", catalog.units, "unit")
        require(treatment, "condition", catalog.conditions, "condition")
        require(treatment, "category", catalog.categories, "category")
    for row in (*catalog.offerings.values(), *catalog.partners.values(), *catalog.follow_up.values()):
        require(row, "unit", catalog.units, "unit")
    for offering in catalog.offerings.values():
        require(offering, "service", catalog.services, "service")
    for contact in catalog.contacts.values():
        require(contact, "organization", catalog.organizations, "organization")
        require(contact, "hospital", catalog.hospitals, "hospital")
        require(contact, "about_hospital", catalog.hospitals, "hospital")
    for fact in catalog.facts.values():
        require(fact, "unit", catalog.units, "unit")
        require(fact, "hospital", catalog.hospitals, "hospital")
        require(fact, "organization", catalog.organizations, "organization")
        if fact.unit and fact.hospital and catalog.units[fact.unit].hospital != fact.hospital:
            raise ContentError(f"{fact.where}: unit {fact.unit!r} does not belong to hospital {fact.hospital!r}")
        for service_id in fact.services:
            if service_id not in catalog.services:
                raise ContentError(f"{fact.where}: services lists {service_id!r}, which does not exist")
        for condition_id in fact.conditions:
            if condition_id not in catalog.conditions:
                raise ContentError(f"{fact.where}: conditions lists {condition_id!r}, which does not exist")

    for table, link, what in (
        (catalog.categories, "broader", "category"), (catalog.conditions, "parent", "condition"),
        (catalog.services, "parent", "service"), (catalog.units, "parent", "unit"),
        (catalog.hospitals, "site_owner", "hospital"),
    ):
        for row in table.values():
            seen = {row.id}
            current = getattr(row, link)
            while current is not None:
                if current in seen:
                    raise ContentError(f"{row.where}: {what} {link!r} links form a cycle through {current!r}")
                seen.add(current)
                current = getattr(table[current], link)


def _check_term_conflicts(catalog: Catalog) -> None:
    """One written term must name one thing, or matching and the NLU synonyms become ambiguous."""
    owners: dict[str, tuple[str, str]] = {}
    named: list[tuple[str, Any]] = [
        *(("condition", c) for c in catalog.conditions.values()),
        *(("service", s) for s in catalog.services.values()),
        *(("out-of-scope topic", o) for o in catalog.out_of_scope.values()),
        *(("hospital", h) for h in catalog.hospitals.values()),
        *(("organization", o) for o in catalog.organizations.values()),
        *(("unit", u) for u in catalog.units.values()),
    ]
    for kind, row in named:
        for term in row.terms:
            key = term.text if term.case_sensitive else term.text.casefold()
            owner = (kind, row.id)
            if key in owners and owners[key] != owner:
                other_kind, other_id = owners[key]
                raise ContentError(
                    f"{row.where}: the term {term.text!r} also names {other_kind} {other_id!r}; a term may name one thing"
                )
            owners[key] = owner


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def load_catalog(
    content_dir: Path = CONTENT_DIR, vocabulary_dir: Path = VOCABULARY_DIR, sources_dir: Path = SOURCES_DIR,
    terminology_file: Path | None = VOCABULARY_DIR / "disease_ontology.json",
) -> Catalog:
    """Parse and validate all vocabulary and content files; raise `ContentError` on the first problem.

    `terminology_file`: the generated disease terminology merged into the vocabulary (None: curated
    conditions only, as before the terminology)."""
    catalog = Catalog()
    _load_vocabulary(catalog, Path(vocabulary_dir))
    content_files = sorted(Path(content_dir).glob("*.yml"))
    if not content_files:
        raise ContentError(f"{_display(Path(content_dir))}: no content files (*.yml)")
    for path in content_files:
        _load_content_file(catalog, path, Path(sources_dir))
    _check_references(catalog)
    _check_term_conflicts(catalog)
    # imported here: vocabulary_languages imports this module's reading helpers
    from knowledge.vocabulary_languages import load_languages

    catalog.languages = load_languages(catalog, Path(vocabulary_dir) / "languages")
    # imported here: fact_translations imports this module's reading helpers
    from knowledge.fact_translations import load_fact_translations, translations_dir

    catalog.fact_translations = load_fact_translations(catalog, translations_dir(Path(content_dir)))
    if terminology_file is not None:
        # imported here: ontology_merge imports this module's dataclasses
        from knowledge.ontology import load_terminology
        from knowledge.ontology_merge import load_extra_synonyms, merge_terminology

        extra = load_extra_synonyms(Path(vocabulary_dir) / "ontology_synonyms.yml")
        merge_terminology(catalog, load_terminology(Path(terminology_file)), extra)
        # the second meanings of words are terminology conditions ("mole": hydatidiform mole)
        _load_senses(catalog, Path(vocabulary_dir) / "senses.yml")
    return catalog


def _load_senses(catalog: Catalog, path: Path) -> None:
    """vocabulary/senses.yml (optional): words whose meaning the rest of the message decides."""
    if not path.exists():
        return
    data = _read_yaml(path)
    _check_top_level(data, path, {"senses"})
    senses = []
    known = catalog.all_conditions()
    for raw, where in _entries(data, "senses", path):
        e = _Entry(raw, where, {"term", "means", "otherwise", "when", "unless"})
        sense = Sense(e.text("term"), e.ident("means"), e.ident("otherwise"),
                      frozenset(w.lower() for w in e.id_list("when")),
                      frozenset(w.lower() for w in (raw.get("unless") or [])), where)
        for condition_id in (sense.means, sense.otherwise):
            if condition_id not in known:
                e.fail(f"condition {condition_id!r} does not exist")
        senses.append(sense)
    catalog.senses = tuple(senses)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The project's own catalog, parsed once per process (it only changes when files are edited)."""
    return load_catalog()
