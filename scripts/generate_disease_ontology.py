"""Generate knowledge/vocabulary/disease_ontology.json from the Human Disease Ontology subsets.

    PYTHONPATH=. .venv/bin/python scripts/generate_disease_ontology.py [--source DIR] [--output FILE]

Reads `NCIthesaurus.obo` (terms, exact synonyms, is-a parents, ICD-10-CM xrefs), the terms of
`DO_cancer_slim.obo` that it lacks (salivary gland cancer, dermatofibrosarcoma protuberans, ...) and
`DO_childhood_cancer_slim.obo` (which terms DO counts as childhood cancers) from DIR (default
../shared/data/disease-ontology, beside the checkout), and copies the terms under the ontology
classes that knowledge/vocabulary/categories.yml names (`ontology_classes`), so the file holds only
what routing needs. The product reads the generated file, never the OBO files: run this again after
a new DO release or a change of the classes in categories.yml, then `python -m knowledge build`.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.ontology import TERMINOLOGY_FILE, OboTerm, OntologyTerm, read_obo, write_terminology  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "disease-ontology"
CATEGORIES_FILE = ROOT / "knowledge" / "vocabulary" / "categories.yml"

# A synonym that is only one of these words names no disease in particular ("tumor", "mole").
_GENERIC = {"cancer", "tumor", "tumour", "neoplasm", "carcinoma", "disease", "syndrome", "disorder", "lesion",
            "mole", "growth", "mass", "nodule", "cyst", "malignancy", "sarcoma", "anemia", "leukemia", "lymphoma",
            "blastoma", "epithelioma"}
# Synonyms written as codes or with qualifiers ("..., NOS", "(disorder)", "CA - skin cancer") are not
# how patients write.
_UNWANTED = re.compile(r"\bNOS\b|[()\[\];,/]| - |\bunspecified\b|\bstage\b", re.IGNORECASE)
_MAX_WORDS = 8
# Acronyms and gene names ("CASTLE", "GPS", "VWD1", "DEK-NUP214") would match ordinary words or
# codes; only these well-known abbreviations of diseases stay (matched in capitals only).
_ACRONYMS_KEPT = {"GIST", "GBM", "NSCLC", "SCLC", "RCC", "HCC", "DIC", "ITP", "TTP", "PNH", "CMML", "JMML",
                  "ATRT", "MGUS", "MALT", "CTCL"}
_ACRONYM = re.compile(r"[A-Z].*[A-Z]|\d")


def ontology_roots(categories_file: Path) -> dict[str, str]:
    """The ontology classes categories.yml names: {DO id: name}."""
    data = yaml.safe_load(categories_file.read_text(encoding="utf-8"))
    return {c["id"]: c["name"] for cat in data["categories"] for c in cat.get("ontology_classes") or []}


def _descendants(roots: set[str], terms: dict[str, OboTerm]) -> set[str]:
    children: dict[str, list[str]] = {}
    for term in terms.values():
        for parent in term.parents:
            children.setdefault(parent, []).append(term.id)
    found, stack = set(), [r for r in roots if r in terms]
    while stack:
        current = stack.pop()
        if current in found or terms[current].obsolete:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


def clean_synonym(text: str, name: str) -> str | None:
    """The synonym as the matcher should see it, or None when it is not a way a patient names the disease."""
    text = " ".join(text.split())
    if len(text) < 3 or _UNWANTED.search(text) or "_" in text or len(text.split()) > _MAX_WORDS:
        return None
    if text.isupper() and len(text.split()) > 1 and all(len(w) > 5 for w in text.split()[:1]):
        text = text.lower()  # "DISEASE OF THE BLOOD": shouting, not an acronym
    for word in re.split(r"[\s-]+", text):
        if _ACRONYM.search(word) and word not in _ACRONYMS_KEPT:
            return None
    if text.casefold() == name.casefold() or text.casefold() in _GENERIC:
        return None
    return text


def select_terms(terms: dict[str, OboTerm], roots: dict[str, str], childhood: set[str]) -> list[OntologyTerm]:
    """The terms under `roots`, with parents inside the selection and cleaned synonyms."""
    missing = [f"{i} {n}" for i, n in roots.items() if terms.get(i) is None or terms[i].name != n]
    if missing:
        raise SystemExit(f"categories.yml names classes the ontology does not have (id and name): {missing}")
    chosen = _descendants(set(roots), terms)
    selected = []
    for term_id in sorted(chosen):
        term = terms[term_id]
        synonyms = list(dict.fromkeys(s for s in (clean_synonym(x, term.name) for x in term.exact_synonyms) if s))
        selected.append(OntologyTerm(term.id, term.name, tuple(synonyms),
                                     tuple(p for p in term.parents if p in chosen), term.icd10cm,
                                     term_id in childhood))
    return selected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=TERMINOLOGY_FILE)
    args = parser.parse_args(argv)

    header, terms = read_obo(args.source / "NCIthesaurus.obo")
    # The cancer slim holds cancers the NCI Thesaurus mapping lacks; a term of both files is read from
    # the larger one. Its parents are mostly in the NCI Thesaurus file, so the hierarchy still places it.
    _cancer_header, cancer_slim = read_obo(args.source / "DO_cancer_slim.obo")
    terms = {**cancer_slim, **terms}
    _slim_header, slim = read_obo(args.source / "DO_childhood_cancer_slim.obo")
    roots = ontology_roots(CATEGORIES_FILE)
    selected = select_terms(terms, roots, set(slim))
    release = header.get("data-version", "")
    about = {
        "source": "Human Disease Ontology (DO), https://disease-ontology.org, repository "
                  "DiseaseOntology/HumanDiseaseOntology, src/ontology/subsets/ (NCIthesaurus.obo, "
                  "DO_cancer_slim.obo, DO_childhood_cancer_slim.obo)",
        "release": release.split("/")[2] if release.count("/") >= 2 else release,
        "data_version": release,
        "license": "CC0 1.0 Universal (public domain dedication)",
        "generated_by": "scripts/generate_disease_ontology.py",
        "selection": "terms under the ontology classes named in knowledge/vocabulary/categories.yml: "
                     + ", ".join(f"{i} {n}" for i, n in roots.items()),
        "kept": "name, EXACT synonyms a patient could write (no NOS, codes or bracketed qualifiers), is-a "
                "parents inside the selection, ICD-10-CM xrefs, membership of DO_childhood_cancer_slim",
        "counts": {"terms": len(selected), "synonyms": sum(len(t.synonyms) for t in selected),
                   "childhood_slim": sum(t.childhood for t in selected)},
    }
    write_terminology(args.output, about, selected)
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}: "
          f"{about['counts']['terms']} terms, {about['counts']['synonyms']} synonyms, release {about['release']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
