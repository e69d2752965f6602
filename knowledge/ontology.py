"""The disease terminology: reading the Human Disease Ontology (OBO) and the project's generated copy.

Two halves:

* `read_obo` parses an OBO file of the Human Disease Ontology (DO) into `OboTerm`s. Only the
  generator (`scripts/generate_disease_ontology.py`) uses it, on the subsets in
  ../shared/data/disease-ontology/; nothing reads OBO files at run time.
* `load_terminology` reads the generated, checked-in copy (`vocabulary/disease_ontology.json`): the
  DO terms under the classes that `vocabulary/categories.yml` names, with names, exact synonyms
  (filtered), is-a parents and ICD-10-CM codes. The file's `about` block names source, release and
  license.

What the terms mean for routing (their category, which curated condition they join) is decided in
`knowledge.ontology_merge`, from `categories.yml`, so that the category rules live in one place.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

TERMINOLOGY_FILE = Path(__file__).resolve().parent / "vocabulary" / "disease_ontology.json"

_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|BROAD|NARROW)')


@dataclass(frozen=True)
class OboTerm:
    """One [Term] stanza of an OBO file (only the fields the project uses)."""

    id: str
    name: str
    exact_synonyms: tuple[str, ...]
    parents: tuple[str, ...]
    icd10cm: tuple[str, ...]
    subsets: tuple[str, ...]
    obsolete: bool


@dataclass(frozen=True)
class OntologyTerm:
    """A term of the checked-in terminology: DO id, name, the synonyms kept, parents inside the file,
    ICD-10-CM codes, and whether DO's childhood cancer slim lists it."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    parents: tuple[str, ...]
    icd10cm: tuple[str, ...]
    childhood: bool


@dataclass(frozen=True)
class Terminology:
    """The checked-in terminology: its `about` block (source, release, license) and terms by id."""

    about: dict
    terms: dict[str, OntologyTerm]


def read_obo(path: Path) -> tuple[dict[str, str], dict[str, OboTerm]]:
    """The header tags (`data-version`, ...) and the [Term] stanzas of an OBO file, by id."""
    header: dict[str, str] = {}
    terms: dict[str, OboTerm] = {}
    stanza: dict[str, list[str]] | None = None
    in_header = True

    def flush() -> None:
        if stanza and stanza.get("id"):
            synonyms = []
            for raw in stanza.get("synonym", []):
                match = _SYNONYM.match(raw)
                if match and match.group(2) == "EXACT":
                    synonyms.append(match.group(1).replace('\\"', '"'))
            term_id = stanza["id"][0]
            terms[term_id] = OboTerm(
                term_id, stanza.get("name", [""])[0], tuple(synonyms),
                tuple(p.split(" ! ")[0].strip() for p in stanza.get("is_a", [])),
                tuple(x.split(":", 1)[1] for x in stanza.get("xref", []) if x.startswith("ICD10CM:")),
                tuple(stanza.get("subset", [])), stanza.get("is_obsolete", ["false"])[0] == "true",
            )

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            flush()
            in_header = False
            stanza = {} if line == "[Term]" else None  # [Typedef] stanzas are skipped
            continue
        if not line or line.startswith("!") or ":" not in line:
            continue
        tag, _, value = line.partition(":")
        value = value.strip()
        if in_header:
            header.setdefault(tag, value)
        elif stanza is not None:
            stanza.setdefault(tag, []).append(value)
    flush()
    return header, terms


def load_terminology(path: Path = TERMINOLOGY_FILE) -> Terminology:
    """The checked-in terminology file (see `scripts/generate_disease_ontology.py`)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    terms = {
        row["id"]: OntologyTerm(row["id"], row["name"], tuple(row.get("synonyms", ())), tuple(row.get("parents", ())),
                                tuple(row.get("icd10cm", ())), bool(row.get("childhood", False)))
        for row in data["terms"]
    }
    return Terminology(data["about"], terms)


def write_terminology(path: Path, about: dict, terms: list[OntologyTerm]) -> None:
    """Write the terminology as JSON, one term per line so that a regeneration diffs term by term."""
    lines = ["{", f'"about": {json.dumps(about, ensure_ascii=False, sort_keys=True)},', '"terms": [']
    rows = []
    for term in sorted(terms, key=lambda t: t.id):
        row: dict = {"id": term.id, "name": term.name}
        if term.synonyms:
            row["synonyms"] = list(term.synonyms)
        if term.parents:
            row["parents"] = list(term.parents)
        if term.icd10cm:
            row["icd10cm"] = list(term.icd10cm)
        if term.childhood:
            row["childhood"] = True
        rows.append(json.dumps(row, ensure_ascii=False))
    lines.append(",\n".join(rows))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
