"""Terminology coverage measure: messages built from the disease terminology's own names and
synonyms, routed end to end by `knowledge.routing.route_patient`, with the expected unit worked out
here from the term's ancestors in the checked-in terminology (independently of knowledge.ontology_merge).

    python -m evaluation.terminology_routing [--step N] [--misses]

Expected units, from the ancestors (the project's rules, issue #13):
  female reproductive organ cancer (DOID:120) or placenta cancer (DOID:2021) -> gynecologic center;
  hematologic cancer (DOID:2531), hematopoietic system disease (DOID:74) and the other blood classes
  -> adult hematology; skin cancer (DOID:4159) and melanoma (DOID:1909) -> skin cancer center; any
  other cancer (DOID:162) -> medical oncology. A child (terms of DO's childhood cancer slim, "my 6 year old has ...") goes to
  pediatric hematology-oncology, plus the gynecologic or skin center, which take every age.
Terms under two of these kinds (a vulvar melanoma: gynecologic and skin) and histiocytic disorders
(no adult unit on the pages) are left out and counted. Every `--step`-th term is taken (default 5),
by its name and, every other time, by a synonym. Also printed: how many terminology conditions have
a category that agrees with the ICD-10-CM block of their codes (C51-C58 gynecologic, C43-C44 skin,
C81-C96 and D45-D75 blood, other C00-C80 solid), an independent check of the hierarchy's categories.
"""
from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from evaluation.ontology_routing import Outcome, print_misses, run
from knowledge.catalog import Catalog, default_catalog
from knowledge.ontology import Terminology, load_terminology

GYN, HEM, ONC = "smc_gynecologic_cancer_center", "snuh_hmo_hematology", "snuh_hmo_medical_oncology"
PED, SKIN = "snuh_pediatric_hmo", "snuch_skin_cancer_center"
_KINDS = {  # DO class -> the adult unit of its kind
    "DOID:120": GYN, "DOID:2021": GYN, "DOID:2531": HEM, "DOID:74": HEM, "DOID:8925": HEM,
    "DOID:0060284": HEM, "DOID:13381": HEM, "DOID:4159": SKIN, "DOID:3234": HEM, "DOID:355": HEM,
    # a melanoma the ontology places nowhere else (not an eye or mucosal one) is a skin melanoma: the
    # skin cancer center's page names melanoma
    "DOID:1909": SKIN,
    "DOID:0080369": GYN,  # ovarian sex-cord stromal tumor
}
# Tumours of the ovary's or testis's hormone-making cells: gynecologic in a woman, oncology in a man; the
# measure's messages do not say which, so both units are expected. A testicular one is a man's.
_EITHER_SEX, _TESTICULAR = {"DOID:192", "DOID:2997"}, "DOID:4757"
_CANCER, _HISTIOCYTIC = "DOID:162", {"DOID:3405", "DOID:0050120"}
_BLOOD_CANCER_NAME = re.compile(r"\b(lymphomas?|leuka?emias?|myelomas?)\b", re.I)


def _ancestors(terminology: Terminology, term_id: str) -> set[str]:
    found, stack = {term_id}, [term_id]
    while stack:
        for parent in terminology.terms[stack.pop()].parents:
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def expected_unit(terminology: Terminology, term_id: str) -> str | None:
    """The adult unit for a term by its ancestors ("GYN|ONC" for a tumour routed by the patient's sex, who
    is not named), or None when the kinds disagree or none applies."""
    ancestors = _ancestors(terminology, term_id)
    if ancestors & _HISTIOCYTIC:
        return None
    units = {unit for class_id, unit in _KINDS.items() if class_id in ancestors}
    if ancestors & _EITHER_SEX and _TESTICULAR not in ancestors and not units:
        return f"{GYN}|{ONC}"
    if not units and _BLOOD_CANCER_NAME.search(terminology.terms[term_id].name):
        return HEM  # a lymphoma filed under its organ only ("gastric lymphoma") is still a lymphoma
    if len(units) > 1:
        return None
    if units:
        return units.pop()
    return ONC if _CANCER in ancestors else None


def build_cases(terminology: Terminology, step: int = 5) -> tuple[list[tuple[str, frozenset[str]]], int]:
    """(message, expected unit ids) for every `step`-th term, and how many sampled terms were left out."""
    cases, left_out = [], 0
    for index, term in enumerate(sorted(terminology.terms.values(), key=lambda t: t.id)):
        if index % step and not term.childhood:
            continue
        unit = expected_unit(terminology, term.id)
        if unit is None:
            left_out += 1
            continue
        words = term.synonyms[0] if term.synonyms and (index // step) % 2 and not term.synonyms[0].isupper() \
            else term.name
        adult_units = set(unit.split("|"))
        if term.childhood:
            cases.append((f"my 6 year old has {words}", frozenset({PED} | (adult_units & {GYN, SKIN}))))
        else:
            cases.append((f"I am 50 and was diagnosed with {words}", frozenset(adult_units)))
    return cases, left_out


# ICD-10-CM blocks -> the adult unit of their kind: an independent check of the categories the
# ontology's hierarchy gives (the codes come with the terms, `icd10cm` in the terminology file).
_CATEGORY_UNIT = {"gynecologic_cancer": GYN, "skin_cancer": SKIN, "blood_cancer": HEM, "benign_blood_disorder": HEM,
                  "solid_tumor": ONC, "eye_cancer": ONC, "childhood_cancer": ONC}


def icd10_unit(code: str) -> str | None:
    """The adult unit an ICD-10-CM code's block points to, or None (in situ, uncertain, other chapters)."""
    letter, digits = code[0], code[1:3]
    if not digits.isdigit():
        return ONC if code.startswith("C7A") else None  # C7A: malignant neuroendocrine tumors
    number = int(digits)
    if letter == "C":
        if 51 <= number <= 58:
            return GYN
        if number in (43, 44):
            return SKIN
        if 81 <= number <= 96:
            return HEM
        return ONC if number <= 80 else None
    if letter == "D" and (number in (45, 46, 47) or 50 <= number <= 75):
        return HEM
    if letter == "O" and number == 1:  # O01 hydatidiform mole
        return GYN
    return None


def icd10_agreement(catalog: Catalog, terminology: Terminology) -> tuple[int, int, list[tuple[str, str, str]]]:
    """(agreeing, compared, disagreements) between each terminology condition's category and its
    ICD-10-CM codes' blocks; a term is compared when its codes point to one unit."""
    agree, compared, differ = 0, 0, []
    for condition in catalog.ontology_conditions.values():
        codes = terminology.terms[condition.ontology_id].icd10cm
        units = {u for u in map(icd10_unit, codes) if u}
        expected = _CATEGORY_UNIT.get(condition.category)
        if len(units) != 1 or expected is None:
            continue
        compared += 1
        if units == {expected}:
            agree += 1
        else:
            differ.append((condition.name, condition.category, f"{', '.join(codes)} -> {units.pop()}"))
    return agree, compared, differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=5, help="take every N-th term (default 5)")
    parser.add_argument("--database-url")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args(argv)
    terminology = load_terminology()
    cases, left_out = build_cases(terminology, args.step)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url is None:
            from knowledge.loader import build

            url = f"sqlite:///{Path(tmp) / 'store.db'}"
            build(url)
        outcomes: list[Outcome] = run(url, cases)
    right = sum(o.right for o in outcomes)
    print(f"terminology names routed: {right}/{len(outcomes)} right ({100 * right / len(outcomes):.1f} %); "
          f"{left_out} sampled terms left out (two kinds, or histiocytic)")
    agree, compared, differ = icd10_agreement(default_catalog(), terminology)
    print(f"categories agreeing with the ICD-10-CM block of the term's codes: {agree}/{compared} "
          f"({100 * agree / max(compared, 1):.1f} %)")
    if args.misses:
        for name, category, codes in differ:
            print(f"  ICD-10-CM DIFFERS {name!r}: category={category} codes {codes}")
        print_misses(outcomes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
