"""Merge the disease terminology into the catalog: what each ontology term is, for routing.

For every term of `vocabulary/disease_ontology.json`:

* a term whose name is a curated condition's name or alias ("ovarian cancer"), or one of whose
  synonyms is a curated condition's name, IS that curated condition: the curated row stays as it is
  (with its cited treatment rows) and the term's other names become extra names of it
  (`catalog.ontology_aliases`);
* any other term becomes a condition of its own (`catalog.ontology_conditions`, id `doid_<n>`).
  Its category is the one of the nearest "anchor" up its is-a parents: a class that categories.yml
  names under `ontology_classes`, or a term that is a curated condition (which brings the curated
  category). At equal distance a class named in categories.yml beats a curated condition on the same
  term, then the more specific category (deeper in the category tree), then the category listed
  first. A solid tumor in DO's childhood cancer slim is a childhood cancer. Its parent is the next
  term on the way to that anchor, so routing's walk up parents meets the curated conditions first
  ("ganglioneuroblastoma" -> neuroblastoma -> the children's unit's cited row).

Curated words win every conflict: a term's name or synonym that a curated row (condition, service,
unit, ...) already uses, or that two ontology terms share, is not used as a name.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml

from knowledge.catalog import Catalog, Condition, ContentError, Term
from knowledge.ontology import OntologyTerm, Terminology

_CHILD_WORDS = re.compile(r"\b(childhood|pediatric|paediatric|juvenile|infantile|infant|neonatal|of childhood)\b", re.I)
_ADULT_WORDS = re.compile(r"\badult\b", re.I)
# A word in capitals ("GIST", "MALT lymphoma") is an abbreviation: matched in capitals only, or it
# would match ordinary words.
_ABBREVIATION = re.compile(r"\b[A-Z]{2,}\b")
# Blood cancers by name, for terms the hierarchy places under an organ only
_BLOOD_CANCER_NAME = re.compile(r"\b(lymphomas?|leuka?emias?|myelomas?)\b", re.I)
_HEMATOLOGIC_CANCER = "DOID:2531"
# How many names the explanation walks through up to the anchor ("... is a kind of placenta cancer,
# a female reproductive organ cancer").
_PATH_NAMES = 3


def condition_id(do_id: str) -> str:
    """The condition id for a DO term: DOID:3594 -> doid_3594."""
    return "doid_" + do_id.split(":", 1)[1]


def _term(text: str, kind: str) -> Term:
    return Term(text, kind, case_sensitive=bool(_ABBREVIATION.search(text)))


def _key(term: Term) -> str:
    return term.text if term.case_sensitive else term.text.casefold()


def _curated_owners(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Every written term of the curated catalog, casefolded, and what it names."""
    owners: dict[str, tuple[str, str]] = {}
    for kind, rows in (("condition", catalog.conditions), ("service", catalog.services),
                       ("out_of_scope", catalog.out_of_scope), ("hospital", catalog.hospitals),
                       ("organization", catalog.organizations), ("unit", catalog.units),
                       ("relation", catalog.relations)):
        for row in rows.values():
            for term in row.terms:
                owners.setdefault(term.text.casefold(), (kind, row.id))
    return owners


def _curated_match(term: OntologyTerm, curated_names: dict[str, str], owners: dict[str, tuple[str, str]]) -> str | None:
    """The curated condition a term is: by its name (a curated name or alias), else by a synonym that
    is a curated name, else by synonyms that are aliases of one curated condition only ("vulval
    cancer", "gastric carcinoma")."""
    owner = owners.get(term.name.casefold())
    if owner and owner[0] == "condition":
        return owner[1]
    by_name = next((curated_names[s.casefold()] for s in term.synonyms if s.casefold() in curated_names), None)
    if by_name:
        return by_name
    by_alias = {owners[s.casefold()][1] for s in term.synonyms
                if owners.get(s.casefold(), ("", ""))[0] == "condition"}
    return by_alias.pop() if len(by_alias) == 1 else None


def _category_rank(catalog: Catalog) -> dict[str, tuple[int, int]]:
    """Sort key per category: deeper (more specific) first, then file order."""
    def depth(category_id: str) -> int:
        steps, current = 0, catalog.categories[category_id].broader
        while current is not None:
            steps, current = steps + 1, catalog.categories[current].broader
        return steps

    return {cid: (-depth(cid), index) for index, cid in enumerate(catalog.categories)}


def _classes(catalog: Catalog, terminology: Terminology) -> dict[str, str]:
    """{DO class id: category id} from categories.yml, checked against the terminology."""
    classes: dict[str, str] = {}
    for category in catalog.categories.values():
        for class_id, name in category.ontology_classes:
            term = terminology.terms.get(class_id)
            if term is None or term.name != name:
                raise ContentError(
                    f"{category.where}: ontology class {class_id} {name!r} is not in the terminology file "
                    "(regenerate it: scripts/generate_disease_ontology.py)")
            if class_id in classes:
                raise ContentError(
                    f"{category.where}: ontology class {class_id} already belongs to {classes[class_id]!r}")
            classes[class_id] = category.id
    return classes


def _nearest_anchor(term_id: str, terms: dict[str, OntologyTerm], anchors: dict[str, list[tuple[int, str]]],
                    rank: dict[str, tuple[int, int]], generic: frozenset[str] = frozenset()
                    ) -> tuple[str, list[str]] | None:
    """(category, path of DO ids from the term's parent to the anchor) of the nearest anchor, breadth first.
    An anchor of a `generic` category (solid tumor, the category of the root "cancer") places a term only
    when no anchor of another category is up any of its paths: a gastric lymphoma is a lymphoma (a blood
    cancer) however near "stomach cancer" is."""
    level: dict[str, list[str]] = {term_id: []}
    seen = {term_id}
    fallback = None
    while level:
        found = [(priority, rank[category], category, path + ([node] if node != term_id else []))
                 for node, path in level.items() for priority, category in anchors.get(node, ())
                 if category not in generic]
        if found:
            _priority, _rank, category, path = min(found, key=lambda f: (f[0], f[1], f[3]))
            return category, path
        if fallback is None:
            generic_found = [(priority, rank[category], category, path + ([node] if node != term_id else []))
                             for node, path in level.items() for priority, category in anchors.get(node, ())]
            if generic_found:
                _priority, _rank, category, path = min(generic_found, key=lambda f: (f[0], f[1], f[3]))
                fallback = (category, path)
        following: dict[str, list[str]] = {}
        for node, path in level.items():
            for parent in terms[node].parents:
                if parent not in seen:
                    seen.add(parent)
                    following[parent] = path + ([node] if node != term_id else [])
        level = following
    return fallback


def load_extra_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """vocabulary/ontology_synonyms.yml: hand-added names of DO terms, {DO id: names} (empty if absent)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    synonyms = data.get("synonyms") or {}
    if set(data) - {"synonyms"} or not isinstance(synonyms, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v) for v in synonyms.values()):
        raise ContentError(f"{path.name}: 'synonyms' must map DO ids to lists of names")
    return {str(k): tuple(" ".join(x.split()) for x in v) for k, v in synonyms.items()}


def merge_terminology(catalog: Catalog, terminology: Terminology,
                      extra_synonyms: dict[str, tuple[str, ...]] | None = None) -> None:
    """Fill `catalog.ontology_conditions`, `ontology_aliases`, `ontology_ids` and `terminology`;
    `extra_synonyms` ({DO id: names}) are added to the terms' own synonyms first."""
    terms = dict(terminology.terms)
    for do_id, names in (extra_synonyms or {}).items():
        if do_id not in terms:
            raise ContentError(f"ontology_synonyms.yml: {do_id} is not in the terminology file")
        terms[do_id] = replace(terms[do_id], synonyms=terms[do_id].synonyms + names)
    owners = _curated_owners(catalog)
    classes = _classes(catalog, terminology)
    rank = _category_rank(catalog)
    childhood_category = next((c.id for c in catalog.categories.values() if c.ontology_subset), None)
    # the category of the ontology's root class ("cancer" -> solid tumor): the kind of last resort
    generic = frozenset(category for class_id, category in classes.items() if not terms[class_id].parents)
    blood_category = classes.get(_HEMATOLOGIC_CANCER)

    curated_names = {c.name.casefold(): c.id for c in catalog.conditions.values()}
    curated = {t.id: cid for t in terms.values() if (cid := _curated_match(t, curated_names, owners))}
    # Anchors per DO id: (0, category) for a class named in categories.yml, (1, category) for a
    # curated condition, so that the class wins on the same term.
    anchors: dict[str, list[tuple[int, str]]] = {}
    for class_id, category in classes.items():
        anchors.setdefault(class_id, []).append((0, category))
    for do_id, curated_id in curated.items():
        category = catalog.categories[catalog.conditions[curated_id].category]
        # The generic "cancer" (the root of the tree, no classes) says nothing about the kind: a term
        # under "carcinoma" (a curated alias of cancer) is still placed by its organ.
        if category.ontology_classes or category.broader:
            anchors.setdefault(do_id, []).append((1, category.id))

    # A term's own name is its name even where another term lists it as a synonym; a synonym two
    # terms share, or that is another term's name, names neither.
    named: dict[str, set[str]] = {}
    shared: dict[str, set[str]] = {}
    for term in terms.values():
        named.setdefault(_key(_term(term.name, "name")), set()).add(term.id)
        for text in (term.name, *term.synonyms):
            shared.setdefault(_key(_term(text, "alias")), set()).add(term.id)

    def usable(term: Term, do_id: str, owner: tuple[str, str]) -> bool:
        if owners.get(term.text.casefold(), owner) != owner:
            return False  # a curated word: curated wins
        key = _key(term)
        if term.kind == "name" or do_id in named.get(key, set()):
            return named.get(key, {do_id}) == {do_id}
        return shared.get(key, {do_id}) == {do_id} and key not in named

    aliases: dict[str, list[Term]] = {}
    ontology_ids: dict[str, list[str]] = {}
    for do_id, curated_id in sorted(curated.items()):
        ontology_ids.setdefault(curated_id, []).append(do_id)
        owner = ("condition", curated_id)
        known = {t.text.casefold() for t in catalog.conditions[curated_id].terms} | {
            t.text.casefold() for t in aliases.get(curated_id, [])}
        for text in (terms[do_id].name, *terms[do_id].synonyms):
            term = _term(text, "ontology")
            if text.casefold() not in known and usable(replace(term, kind="name" if text == terms[do_id].name
                                                                   else "alias"), do_id, owner):
                aliases.setdefault(curated_id, []).append(term)
                known.add(text.casefold())

    conditions: dict[str, Condition] = {}
    for do_id, term in sorted(terms.items()):
        if do_id in curated:
            continue
        anchor = _nearest_anchor(do_id, terms, anchors, rank, generic)
        if anchor is None:
            continue
        category, path = anchor
        if category in generic and blood_category and _BLOOD_CANCER_NAME.search(term.name):
            # a lymphoma the hierarchy files under its organ only ("gastric lymphoma" under stomach
            # cancer) is still a lymphoma: a blood cancer, placed by its name
            category, path = blood_category, []
        if category == "solid_tumor" and term.childhood and childhood_category:
            category = childhood_category
        if path:
            parent = curated.get(path[0]) or condition_id(path[0])
        else:  # the term is itself a class of categories.yml: under the category's generic condition
            parent = category if category in catalog.conditions else None
        owner = ("condition", condition_id(do_id))
        names = [_term(term.name, "name")] + [_term(s, "alias") for s in term.synonyms]
        kept = tuple(t for t in names if usable(t, do_id, owner))
        implied = "child" if _CHILD_WORDS.search(term.name) else ("adult" if _ADULT_WORDS.search(term.name) else None)
        conditions[owner[1]] = Condition(
            owner[1], term.name, category, parent, implied, kept, f"disease_ontology.json {do_id}",
            ontology_id=do_id, ontology_path=tuple(terms[p].name for p in path[:_PATH_NAMES]),
        )
    # A parent skipped for want of a category (cannot happen for terms under the classes, but a
    # hand-edited file could) would break the tree: such conditions hang under their category.
    for cid, condition in list(conditions.items()):
        if condition.parent and condition.parent not in conditions and condition.parent not in catalog.conditions:
            conditions[cid] = Condition(**{**condition.__dict__, "parent": None})

    catalog.ontology_conditions = conditions
    catalog.ontology_aliases = {cid: tuple(ts) for cid, ts in aliases.items()}
    catalog.ontology_ids = {cid: tuple(ids) for cid, ids in ontology_ids.items()}
    catalog.terminology = dict(terminology.about)
