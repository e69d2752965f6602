"""`make eval`'s routing of conditions named in patients' words (issue #13), on the knowledge store alone.

Every routing set of the terminology work, each routed end to end by `knowledge.routing.route_patient`
(the routing the bot, `python -m knowledge ask` and the console use):

- `terminology_phrasings`: 300+ patient messages written from the Human Disease Ontology's names and
  synonyms without looking at the router, frozen (the headline figure);
- `outside_curated` and `outside_curated_holdout`: messages naming conditions outside the curated list
  (the first was tuned on, the second never);
- `terminology_names`: every fifth term of the checked-in terminology by its own name or synonym, the
  expected unit worked out from its ancestors (evaluation/terminology_routing.py), with the share of
  terminology categories that agree with the ICD-10-CM block of the term's codes.

The figures do not depend on the NLU model, so they are measured once per run, not per system.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluation import ontology_routing, terminology_routing
from evaluation.common import EVALUATION_DIR, fmt, md_table
from knowledge.catalog import default_catalog
from knowledge.ontology import load_terminology

CASE_SETS = {
    "terminology_phrasings": EVALUATION_DIR / "terminology_phrasing_cases.yml",
    "outside_curated": ontology_routing.CASES_FILE,
    "outside_curated_holdout": EVALUATION_DIR / "ontology_routing_holdout_cases.yml",
}
SET_LABELS = {
    "terminology_phrasings": "patients' phrasings of terminology conditions (frozen, never tuned on)",
    "outside_curated": "conditions outside the curated list (tuned on)",
    "outside_curated_holdout": "conditions outside the curated list, held out",
    "terminology_names": "every fifth terminology term by its own name or synonym",
}
HEADLINE_SET = "terminology_phrasings"
MISSES_SHOWN = 40


def summarise(outcomes: list[ontology_routing.Outcome]) -> dict[str, Any]:
    """Cases, right, the share right and every miss (message, condition read, expected and routed units)."""
    misses = [{"text": o.text, "condition": o.condition, "expected": sorted(o.expected), "routed": sorted(o.routed)}
              for o in outcomes if not o.right]
    total = len(outcomes)
    return {"cases": total, "right": total - len(misses), "accuracy": (total - len(misses)) / total if total else None,
            "misses": misses}


def measure(database_url: str, sets: dict[str, Path] | None = None) -> dict[str, Any]:
    """Every case set that exists, plus the terminology's own names, routed on the store at `database_url`."""
    figures: dict[str, Any] = {}
    for key, path in (sets or CASE_SETS).items():
        if path.exists():
            figures[key] = summarise(ontology_routing.run(database_url, ontology_routing.load_cases(path)))
    terminology = load_terminology()
    cases, left_out = terminology_routing.build_cases(terminology)
    names = summarise(ontology_routing.run(database_url, cases))
    agree, compared, _ = terminology_routing.icd10_agreement(default_catalog(), terminology)
    figures["terminology_names"] = {**names, "left_out": left_out,
                                    "icd10_agreement": {"agree": agree, "compared": compared}}
    return figures


def headline(figures: dict[str, Any] | None) -> dict[str, float | None]:
    """The summary table's figure: the frozen phrasing set's share routed right."""
    return {"condition_routing": ((figures or {}).get(HEADLINE_SET) or {}).get("accuracy")}


HEADLINE_LABELS = {"condition_routing": ("Routing of terminology conditions in patients' words (frozen set)", True)}


def render_markdown(figures: dict[str, Any] | None) -> list[str]:
    """The report's section: one row per set, then the ICD-10-CM check and the misses of each set."""
    if not figures:
        return []
    lines = ["## Routing of conditions from the disease terminology", "",
             "On the knowledge store alone (`knowledge.routing.route_patient`, the same for every system); "
             "a case is right when the units routed are exactly the units expected.", ""]
    rows = [[SET_LABELS.get(key, key), entry["cases"], entry["right"], fmt(entry["accuracy"], percent=True)]
            for key, entry in figures.items()]
    lines += [md_table(["set", "cases", "right", "share right"], rows), ""]
    names = figures.get("terminology_names") or {}
    check = names.get("icd10_agreement")
    if check:
        share = check["agree"] / check["compared"] if check["compared"] else None
        lines += [f"Terminology categories agreeing with the ICD-10-CM block of their codes: {check['agree']}/"
                  f"{check['compared']} ({fmt(share, percent=True)}); sampled terms left out (under two kinds, "
                  f"or histiocytic): {names.get('left_out')}.", ""]
    for key, entry in figures.items():
        if entry["misses"]:
            lines += [f"Misses, {SET_LABELS.get(key, key)} ({len(entry['misses'])}):", ""]
            lines += [f"- {m['text']!r}: read {m['condition']!r}, expected {', '.join(m['expected']) or 'no unit'}, "
                      f"routed {', '.join(m['routed']) or 'no unit'}" for m in entry["misses"][:MISSES_SHOWN]]
            lines.append("")
    return lines
