"""The disease terminology as data: the generator's reader and filters, the checked-in file, its
merge into the catalog (curated words win), the store's rows and the matcher."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from evaluation.ontology_routing import run as run_cases
from evaluation.terminology_routing import build_cases
from knowledge.catalog import load_catalog
from knowledge.export_nlu import nlu_data
from knowledge.matcher import CONDITION, get_matcher
from knowledge.models import CategoryOntologyClassRow, ConditionRow, TerminologyRow
from knowledge.ontology import TERMINOLOGY_FILE, load_terminology, read_obo
from scripts.generate_disease_ontology import clean_synonym, select_terms

OBO = """format-version: 1.2
data-version: doid/releases/2026-07-31/subsets/test.obo

[Term]
id: DOID:1
name: cancer
synonym: "malignant neoplasm" EXACT []

[Term]
id: DOID:2
name: placenta cancer
synonym: "placental cancer" EXACT []
synonym: "Placental tumors, NOS" EXACT []
synonym: "placenta tumour" RELATED []
is_a: DOID:1 ! cancer
xref: ICD10CM:C58

[Term]
id: DOID:3
name: old term
is_obsolete: true
is_a: DOID:2 ! placenta cancer

[Typedef]
id: part_of
name: part of
"""


def test_the_obo_reader_keeps_exact_synonyms_parents_and_icd_codes(tmp_path: Path):
    path = tmp_path / "test.obo"
    path.write_text(OBO, encoding="utf-8")
    header, terms = read_obo(path)
    assert header["data-version"].endswith("test.obo")
    assert set(terms) == {"DOID:1", "DOID:2", "DOID:3"}
    assert terms["DOID:2"].exact_synonyms == ("placental cancer", "Placental tumors, NOS")
    assert terms["DOID:2"].parents == ("DOID:1",) and terms["DOID:2"].icd10cm == ("C58",)
    assert terms["DOID:3"].obsolete
    selected = {t.id: t for t in select_terms(terms, {"DOID:2": "placenta cancer"}, set())}
    assert set(selected) == {"DOID:2"}  # only under the class; obsolete terms dropped
    assert selected["DOID:2"].synonyms == ("placental cancer",) and selected["DOID:2"].parents == ()


def test_synonyms_a_patient_would_not_write_are_dropped():
    assert clean_synonym("Placental tumors, NOS", "placenta cancer") is None
    assert clean_synonym("CASTLE", "carcinoma showing thymus-like differentiation") is None  # acronym
    assert clean_synonym("tumor", "x") is None  # a generic word
    assert clean_synonym("GIST", "gastrointestinal stromal tumor") == "GIST"  # a well-known one stays
    assert clean_synonym("molar pregnancy", "gestational trophoblastic neoplasm") == "molar pregnancy"


def test_the_checked_in_terminology_names_source_release_and_license():
    terminology = load_terminology()
    assert terminology.about["release"] == "2026-07-31"
    assert "Human Disease Ontology" in terminology.about["source"]
    assert terminology.about["license"].startswith("CC0")
    assert len(terminology.terms) > 1500
    assert TERMINOLOGY_FILE.stat().st_size < 600_000  # only what routing needs
    for term in terminology.terms.values():
        assert all(parent in terminology.terms for parent in term.parents)


def test_curated_words_win_and_no_term_names_two_conditions(catalog):
    curated = {t.text.casefold(): c.id for c in catalog.conditions.values() for t in c.terms}
    owners: dict[str, str] = {}
    for cid, condition in catalog.ontology_conditions.items():
        for term in condition.terms:
            assert term.text.casefold() not in curated, (term.text, cid)
            key = term.text if term.case_sensitive else term.text.casefold()
            assert owners.setdefault(key, cid) == cid, term.text
    # a DO term that IS a curated condition adds names to it instead of a second condition
    assert "DOID:2394" in catalog.ontology_ids["ovarian_cancer"]
    assert not any(c.ontology_id == "DOID:2394" for c in catalog.ontology_conditions.values())


def test_every_category_class_is_in_the_terminology_and_decides_its_terms(catalog):
    classes = {cid: c.ontology_classes for cid, c in catalog.categories.items() if c.ontology_classes}
    assert {"gynecologic_cancer", "blood_cancer", "benign_blood_disorder", "skin_cancer", "eye_cancer",
            "solid_tumor"} <= set(classes)
    by_do = {c.ontology_id: c for c in catalog.ontology_conditions.values()}
    assert by_do["DOID:3594"].category == "gynecologic_cancer"  # choriocarcinoma
    assert by_do["DOID:6039"].category == "eye_cancer"  # uveal melanoma: not a skin cancer
    assert by_do["DOID:4163"].parent == "neuroblastoma"  # ganglioneuroblastoma under the curated row


def test_a_catalog_without_the_terminology_is_the_curated_one():
    catalog = load_catalog(terminology_file=None)
    assert not catalog.ontology_conditions and not catalog.ontology_aliases


def test_the_store_names_the_terminology_and_the_classes_of_each_category(session):
    terminology = session.execute(select(TerminologyRow)).scalar_one()
    assert terminology.release == "2026-07-31" and terminology.license.startswith("CC0")
    classes = {(r.category_id, r.class_id) for r in session.execute(select(CategoryOntologyClassRow)).scalars()}
    assert ("gynecologic_cancer", "DOID:120") in classes and ("skin_cancer", "DOID:4159") in classes
    rows = {r.id: r for r in session.execute(select(ConditionRow)).scalars()}
    assert rows["ovarian_cancer"].origin == "curated"
    assert rows["doid_3594"].origin == "ontology" and rows["doid_3594"].ontology_path == "placenta cancer"


def test_the_nlu_lookup_tables_stay_the_curated_words(catalog):
    # the terminology is matched by the knowledge component at run time; the lookups are not retrained
    conditions = {entry.casefold() for entry in nlu_data(catalog)["lookups"]["condition"]}
    assert "choriocarcinoma" not in conditions and "leukemia" in conditions


def test_misspellings_of_curated_names_are_still_corrected_and_terminology_words_are_not():
    matcher = get_matcher()

    def conditions(text: str) -> list[str]:
        return [m.id for m in matcher.find_all(text) if m.kind == CONDITION]

    assert conditions("my son has leukemai") == ["leukemia"]
    assert conditions("neuroblastma in a 3 year old") == ["neuroblastoma"]
    assert conditions("ganglioneuroblastoma") == ["doid_4163"]
    assert conditions("myelofibrosis") == ["myeloproliferative_neoplasm"]
    assert conditions("I have ITP") == ["immune_thrombocytopenia"]
    assert conditions("she has gist") != ["doid_9253"]  # an abbreviation only in capitals


def test_misspelt_terminology_disease_words_are_corrected_after_the_curated_ones():
    matcher = get_matcher()

    def conditions(text: str) -> list[str]:
        return [m.id for m in matcher.find_all(text) if m.kind == CONDITION]

    assert conditions("my wife has choriocarcinona") == ["doid_3594"]
    assert conditions("ganglioneuroblastma in my son") == ["doid_4163"]
    assert conditions("they say it is a hydatiform mole") == ["doid_3590"]
    # ordinary words of the terminology's names are no targets: "expensive" is not "extensive"
    assert conditions("is the treatment expensive") == []
    assert matcher.find_all("the secretary is attending") == []


def test_the_terminology_names_route_like_their_ancestors_say(built_database_url):
    cases, _left_out = build_cases(load_terminology(), step=10)
    assert len(cases) >= 200
    outcomes = run_cases(built_database_url, cases)
    right = sum(o.right for o in outcomes)
    assert right / len(outcomes) >= 0.97, [o.text for o in outcomes if not o.right]


def test_the_categories_agree_with_the_icd10cm_blocks_of_the_terms_codes(catalog):
    from evaluation.terminology_routing import icd10_agreement, icd10_unit

    assert icd10_unit("C58") == "smc_gynecologic_cancer_center" and icd10_unit("O01.9") == icd10_unit("C53.9")
    assert icd10_unit("C92.10") == "snuh_hmo_hematology" and icd10_unit("D69.3") == "snuh_hmo_hematology"
    assert icd10_unit("C44.91") == "snuch_skin_cancer_center" and icd10_unit("C16.9") == "snuh_hmo_medical_oncology"
    assert icd10_unit("D06.9") is None  # in situ: no unit of its own
    agree, compared, differ = icd10_agreement(catalog, load_terminology())
    assert compared >= 200
    assert agree / compared >= 0.97, differ
