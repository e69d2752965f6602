"""Routing by what a condition is, from the disease terminology (issue #13): the measure's floor,
a sample of its cases, the explanation, and words that mean two things."""
from __future__ import annotations

import pytest

from evaluation.ontology_routing import load_cases, run
from knowledge.queries import route_patient
from messages.explain import explain

GYN, HEM, ONC = "smc_gynecologic_cancer_center", "snuh_hmo_hematology", "snuh_hmo_medical_oncology"
PED, SKIN = "snuh_pediatric_hmo", "snuch_skin_cancer_center"


def test_the_terminology_routing_set_is_routed_right(built_database_url):
    cases = load_cases()
    assert len(cases) >= 100
    outcomes = run(built_database_url, cases)
    misses = [(o.text, sorted(o.routed)) for o in outcomes if not o.right]
    # 121/123 when written; the two misses are listed in the report (granulosa cell tumor is a
    # gonadal tumor in the ontology, salivary gland cancer is not in the subset).
    assert len(misses) <= 3, misses


@pytest.mark.parametrize("text, units", [
    ("my wife is 32 and was diagnosed with choriocarcinoma", {GYN}),
    ("I'm 31 and my doctor says I had a hydatidiform mole", {GYN}),
    ("I am 27, my scan showed a molar pregnancy", {GYN}),
    ("my mother, 61, has uterine sarcoma", {GYN}),
    ("I am 44 and they found a vaginal tumor", {GYN}),
    ("I am 64 and have myelofibrosis", {HEM}),
    ("I'm 40 with systemic mastocytosis", {HEM}),
    ("I am 33 and have von Willebrand disease", {HEM}),
    ("I am 72 and have Merkel cell carcinoma", {SKIN}),
    ("I'm 65 and they found a keratoacanthoma", {SKIN}),
    ("I am 63 and have stomach adenocarcinoma", {ONC}),
    ("I am 55 with uveal melanoma", {ONC}),
    ("my mother is 62 with melanoma of the eye", {ONC}),
    ("my 7 year old has ganglioneuroblastoma", {PED}),
    ("my 6 year old son has diffuse intrinsic pontine glioma", {PED}),
    ("my daughter is 14 and has an ovarian germ cell tumor", {GYN, PED}),
    ("I am 60 and have a cataract", set()),
])
def test_conditions_outside_the_curated_list_are_routed_by_kind(session, text, units):
    result = route_patient(session, text)
    assert {r.unit.id for r in result.routes} == units, explain(result.explanation)


def test_mole_means_a_skin_mole_unless_the_message_speaks_of_a_pregnancy(session):
    skin = route_patient(session, "I'm 45 and have a mole on my back that changed")
    assert skin.condition.id == "suspected_skin_cancer" and {r.unit.id for r in skin.routes} == {SKIN}
    pregnancy = route_patient(session, "I am 34, they found a mole in my uterus after the pregnancy")
    assert pregnancy.condition.category == "gynecologic_cancer"
    assert {r.unit.id for r in pregnancy.routes} == {GYN}
    both = route_patient(session, "I am pregnant and worried about a mole on my face")
    assert both.condition.id == "suspected_skin_cancer"


def test_the_explanation_says_what_the_condition_is_without_attributing_it_to_a_hospital(session):
    result = route_patient(session, "my wife is 32 and was diagnosed with choriocarcinoma")
    assert [item.message_id for item in result.explanation][:2] == [
        "route.why.kind_of_in_ontology", "route.why.routed_by_kind"]
    text = explain(result.explanation)
    assert text.startswith("Choriocarcinoma is a kind of placenta cancer, and so a gynecologic cancer")
    assert "Human Disease Ontology" in text
    assert "do not name choriocarcinoma itself" in text
    assert "Samsung Medical Center" in text
    # the cited reason is the hospital's own sentence about the category, not about choriocarcinoma
    assert all("choriocarcinoma" not in route.reason.lower() for route in result.routes)


def test_curated_conditions_keep_their_rows_and_explanations(session):
    result = route_patient(session, "I am 50 and have ovarian cancer")
    assert result.condition.id == "ovarian_cancer"
    assert "Human Disease Ontology" not in explain(result.explanation)
    # the ontology's extra names of a curated condition name the curated condition
    assert route_patient(session, "I am 50 with a malignant neoplasm of vagina").condition.id == "vaginal_cancer"


def test_eye_melanoma_is_not_a_skin_cancer_but_eyelid_skin_melanoma_is(session):
    eye = route_patient(session, "I am 50 with a conjunctival melanoma")
    assert eye.condition.category == "eye_cancer" and {r.unit.id for r in eye.routes} == {ONC}
    skin = route_patient(session, "I am 50 with nodular melanoma")
    assert {r.unit.id for r in skin.routes} == {SKIN}


def test_a_kind_no_unit_takes_gets_no_unit_and_no_promise_of_one(session):
    # histiocytic disorders: the pages name the children's unit only
    adult = route_patient(session, "I am 45 and have Erdheim-Chester disease")
    assert adult.routes == () and adult.in_scope
    assert "histiocytic disorder" in explain(adult.explanation)
    assert "the unit is the one for its kind" not in explain(adult.explanation)
    child = route_patient(session, "my 6 year old has Erdheim-Chester disease")
    assert {r.unit.id for r in child.routes} == {PED}


def test_the_frozen_phrasing_set_keeps_its_floor(built_database_url):
    """Patients' phrasings of terminology conditions, written without looking at the router (frozen):
    357/383 (93.2 %) when this floor was set; the misses are listed by `make eval`."""
    from evaluation.condition_routing import CASE_SETS, HEADLINE_SET
    from evaluation.ontology_routing import load_cases as load

    cases = load(CASE_SETS[HEADLINE_SET])
    assert len(cases) >= 300
    outcomes = run(built_database_url, cases)
    assert sum(o.right for o in outcomes) >= 350, [(o.text, sorted(o.routed)) for o in outcomes if not o.right]


@pytest.mark.parametrize("text, units", [
    # a sex cord-stromal tumour is ovarian in a woman, testicular in a man; both when the message says neither
    ("my wife is 44 and has a granulosa cell tumor", {GYN}),
    ("my husband, 50, has a granulosa cell tumor", {ONC}),
    ("I am 58 with a granulosa cell tumor", {GYN, ONC}),
    ("my daughter is 12 and has a Sertoli-Leydig cell tumor", {GYN, PED}),
    ("I am 30 with an ovarian sex cord stromal tumor", {GYN}),
    ("my husband has a testicular sex cord stromal tumor, he is 40", {ONC}),
])
def test_tumours_of_the_gonads_are_routed_by_the_patients_sex(session, text, units):
    assert {r.unit.id for r in route_patient(session, text).routes} == units


@pytest.mark.parametrize("text, units", [
    ("I am 50, melanoma in the back of my eye", {ONC}),          # the organ a few words on: an eye cancer
    ("I'm 36 with a small cell carcinoma of the cervix", {GYN}),  # the organ over the cell type
    ("I'm 51 and the biopsy was adenosarcoma of the vagina", {GYN}),
    ("my wife is 54, uterine adenosarcoma", {GYN}),
    ("I am 60, MALT lymphoma in my stomach", {HEM}),              # a lymphoma stays a blood cancer
    ("my sister is 38, cancer at the neck of the womb", {GYN}),   # lay words for the cervix
    ("my father, 73, has Waldenström macroglobulinaemia", {HEM}),  # accents and British spelling
    ("58 years, adenoid basal cell carcinoma", {SKIN}),           # an age written before anything else
    ("our son is 18 months and has retinoblastoma", {PED}),
    ("my husband, 67, has urethral cancer", {ONC}),               # the adjective for the name's organ
    ("my uncle is 59 and has anal carcinoma", {ONC}),
])
def test_kinds_said_with_their_organ_and_ages_written_tersely(session, text, units):
    assert {r.unit.id for r in route_patient(session, text).routes} == units
