"""The term matcher: case, plurals, misspellings, age cues and character offsets."""
from __future__ import annotations

import pytest

from knowledge.catalog import Catalog
from knowledge.matcher import AgeCue, TermMatcher, edit_distance, get_matcher


@pytest.fixture(scope="module")
def matcher() -> TermMatcher:
    return get_matcher()


def _found(matcher: TermMatcher, text: str, kind: str) -> list[str]:
    return [m.id for m in matcher.find_all(text) if m.kind == kind]


@pytest.mark.parametrize(
    "text, condition",
    [
        ("LEUKEMIA", "leukemia"),
        ("Leukemia", "leukemia"),
        ("leukaemia", "leukemia"),  # British spelling
        ("leukemias", "leukemia"),  # plural
        ("lymphomas", "lymphoma"),
        ("leukemai", "leukemia"),  # curated misspelling
        ("leukimea", "leukemia"),  # not curated: fuzzy fallback
        ("melanome", "melanoma"),
        ("neuroblastma", "neuroblastoma"),
        ("brain tumours", "brain_tumor"),
        ("Ewing’s sarcoma", "ewing_sarcoma"),  # curly apostrophe, as on the page
        ("Ewing's sarcoma", "ewing_sarcoma"),
        ("ewings sarcoma", "ewing_sarcoma"),
        ("Wilms’ tumor", "wilms_tumor"),
        ("non-Hodgkin lymphoma", "non_hodgkin_lymphoma"),
        ("non Hodgkin lymphoma", "non_hodgkin_lymphoma"),
        ("gastric cancer", "stomach_cancer"),
        ("a mole on my back", "suspected_skin_cancer"),
        ("blood cancer", "blood_cancer"),
        ("ALL", "acute_lymphoblastic_leukemia"),
        ("platelet reduction", "thrombocytopenia"),
    ],
)
def test_conditions_are_found(matcher, text, condition):
    assert _found(matcher, text, "condition") == [condition]


@pytest.mark.parametrize(
    "text, service",
    [
        ("bone marrow transplant", "hsct"),
        ("BMT", "hsct"),
        ("stem cell transplants", "hsct"),
        ("half-match donor", "hsct_haploidentical"),
        ("half match donor", "hsct_haploidentical"),
        ("cord blood", "hsct_cord_blood"),
        ("CAR-T", "car_t"),
        ("car t cell therapy", "car_t"),
        ("Mohs surgery", "mohs_surgery"),
        ("chemotheraphy", "chemotherapy"),
        ("immunotherapy", "immunotherapy"),
        ("hospital schools", "hospital_school"),
        ("clinical trails", "clinical_trials"),
    ],
)
def test_services_are_found(matcher, text, service):
    assert _found(matcher, text, "service") == [service]


@pytest.mark.parametrize(
    "text",
    [
        "I want to cancel my appointment",
        "my daughter was diagnosed last week",
        "all of them are fine",  # "ALL" is an acronym only in capitals
        "thank you very much",
        "can we meet the oncologist tomorrow",
        "what are your opening hours",
        "operator",  # not a misspelling of "operation"
    ],
)
def test_ordinary_words_are_not_mistaken_for_terms(matcher, text):
    assert not [m for m in matcher.find_all(text) if m.kind in ("condition", "service", "out_of_scope")]


def test_short_words_are_never_fuzzy_corrected(matcher):
    assert _found(matcher, "cancel", "condition") == []  # one letter from "cancer", but too short to guess
    assert _found(matcher, "cancre", "condition") == []


@pytest.mark.parametrize(
    "text, condition, span",
    [
        ("my dad is 65 with cancer of the food pipe", "esophageal_cancer", "cancer of the food pipe"),
        ("he has cancer in both lungs, he's 80", "lung_cancer", "cancer in both lungs"),
        ("a tumour in the brain", "brain_tumor", "tumour in the brain"),
        ("they found a malignant tumor on her ovary.", "ovarian_cancer", "malignant tumor on her ovary"),
    ],
)
def test_cancer_of_an_organ_is_the_organs_cancer(matcher, text, condition, span):
    """No alias lists "cancer in both lungs": the organ's own "<organ> cancer" name is found through it."""
    [match] = [m for m in matcher.find(text) if m.kind == "condition"]
    assert (match.id, match.text) == (condition, span)


def test_cancer_of_something_that_is_not_an_organ_stays_cancer(matcher):
    assert [m.id for m in matcher.find("there is cancer in my family") if m.kind == "condition"] == ["cancer"]
    assert [m.id for m in matcher.find("cancer of the worst kind") if m.kind == "condition"] == ["cancer"]
    assert [m.text for m in matcher.find("who treats brain tumor in children") if m.kind == "condition"] == [
        "brain tumor"]


def test_a_name_of_more_words_wins_then_the_kind(matcher):
    """"skin cancer surgery": "skin cancer" and "cancer surgery" have two words each; the condition wins."""
    found = [(m.kind, m.text) for m in matcher.find("followup after skin cancer surgery") if m.kind != "relation"]
    assert found == [("service", "followup"), ("condition", "skin cancer")]


def test_a_full_stop_after_a_term_is_not_part_of_it(matcher):
    [match] = [m for m in matcher.find("His doctor mentioned CAR-T. Is it available?") if m.kind == "service"]
    assert match.text == "CAR-T"


@pytest.mark.parametrize(
    "text, span",
    [
        ("which team could see my mom? her blood count has been too low for months", "blood count has been too low"),
        ("I'm 29, my platelets are really low", "platelets are really low"),
        ("his white blood cells keep dropping", "white blood cells keep dropping"),
        ("a disorder where her blood doesn't clot properly", "blood doesn't clot"),
    ],
)
def test_lay_descriptions_of_low_blood_counts_are_a_benign_blood_disorder(matcher, text, span):
    [match] = [m for m in matcher.find(text) if m.kind == "condition"]
    assert (match.id, match.text) == ("benign_blood_disorder", span)


@pytest.mark.parametrize("text", ["the blood test was fine", "her platelets came back normal",
                                  "low energy and the white walls of the ward"])
def test_descriptions_need_every_word_in_order_and_close(matcher, text):
    assert not [m for m in matcher.find(text) if m.kind == "condition"]


def test_a_description_gives_way_to_a_name_in_find_but_both_are_in_find_all(matcher):
    """Entities keep the service in "a rash after immunotherapy"; routing still sees the skin problem."""
    text = "a rash after immunotherapy, where do I go?"
    assert [(m.kind, m.text) for m in matcher.find(text)] == [("service", "immunotherapy")]
    assert ("condition", "cancer_treatment_skin_problem") in {(m.kind, m.id) for m in matcher.find_all(text)}


def test_places_are_found(matcher):
    found = {(m.kind, m.id) for m in matcher.find("Does SNUH or Samsung Medical Center have a skin cancer centre?")}
    assert found == {("hospital", "snuh"), ("hospital", "smc"), ("unit", "snuch_skin_cancer_center")}


def test_find_prefers_the_longest_span_but_find_all_keeps_other_kinds(matcher):
    text = "melanoma treatment"
    assert [(m.kind, m.id) for m in matcher.find(text)] == [("service", "melanoma_multidisciplinary_care")]
    assert ("condition", "melanoma") in {(m.kind, m.id) for m in matcher.find_all(text)}


@pytest.mark.parametrize(
    "text",
    [
        "My 3-year-old daughter has Wilms’ tumor and needs chemo",
        "  my son (12) has LEUKAEMIA, and a half-match donor?  ",
        "I'm 45 – leukemai, CAR-T at SNUH?",
        "neuroblastma\u00a0in my 5 year old",
    ],
)
def test_offsets_point_at_the_matched_text(matcher, text):
    matches = matcher.find_all(text)
    assert matches
    for match in matches:
        assert text[match.start:match.end] == match.text
        assert match.text == match.text.strip()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my 5 year old has leukemia", AgeCue(5, True, None)),
        ("my 3-year-old daughter", AgeCue(3, True, "daughter")),
        ("my five year old son", AgeCue(5, True, "son")),
        ("I am 45", AgeCue(45, False, "self")),
        ("I'm 17 and scared", AgeCue(17, True, "self")),
        ("my mom has cancer", AgeCue(None, False, "mother")),
        ("my son has leukaemia", AgeCue(None, None, "son")),
        ("my son (12) has leukemia", AgeCue(12, True, "son")),
        ("my daughter (8) has von Willebrand disease", AgeCue(8, True, "daughter")),
        ("Son 10 y with rhabdomyosarcoma", AgeCue(10, True, "son")),
        ("had chemo 10 y ago", AgeCue(None, None, None)),
        ("58 years, adenoid basal cell carcinoma", AgeCue(58, False, None)),
        ("3 years ago I had leukemia", AgeCue(None, None, None)),
        ("44 male HIV positive, plasmablastic lymphoma", AgeCue(44, False, None)),
        ("53F, adenoid cystic carcinoma", AgeCue(53, False, None)),
        ("i am 56 woman, endometrioid carcinoma", AgeCue(56, False, "self")),
        ("our son is 18 months, white reflex in his eye", AgeCue(0, True, "son")),
        ("I am 26 from Nigeria with sickle cell anemia", AgeCue(26, False, "self")),
        ("our daughter, 7, has lymphoma", AgeCue(7, True, "daughter")),
        ("my grandma is 80", AgeCue(80, False, "grandparent")),
        ("my 18 month old baby", AgeCue(0, True, "baby")),
        ("my husband", AgeCue(None, False, "spouse")),
        ("my teenager", AgeCue(None, True, "teenager")),
        ("toddler with anemia", AgeCue(None, True, "baby")),
        ("my son 10 has a fever after his transplant", AgeCue(10, True, "son")),
        ("he's a teen, 16", AgeCue(16, True, "teenager")),
        ("urgent, my son 7 years with leukemia has chills", AgeCue(7, True, "son")),
        ("she just turned 9", AgeCue(9, True, None)),
        ("my age is 63", AgeCue(63, False, None)),
        ("mulitple myeloma, the patient is 66", AgeCue(66, False, None)),
        ("the patient just turned 15", AgeCue(15, True, None)),
        ("the patient is an adult woman, 40", AgeCue(40, False, "adult")),
        ("52", AgeCue(52, False, None)),
        # The writer's own age is not the patient's when they write for a relative.
        ("I am 45 and my son has leukemia", AgeCue(None, None, "son")),
        # Numbers that are not ages.
        ("I am 5 minutes late", AgeCue(None, None, None)),
        ("the tumor is 4 cm", AgeCue(None, None, None)),
        ("3,200 transplants since 1985", AgeCue(None, None, None)),
        ("leukemia", AgeCue(None, None, None)),
        # Times are not ages: the patient here is an adult, not a toddler.
        ("my mother was diagnosed with leukemia 3 weeks ago", AgeCue(None, False, "mother")),
        ("my dad 2 years ago had lymphoma", AgeCue(None, False, "father")),
        ("my mother, 3 years ago, had surgery", AgeCue(None, False, "mother")),
        ("we got the biopsy results 10 days ago", AgeCue(None, None, None)),
    ],
)
def test_age_cues(matcher, text, expected):
    assert matcher.age_cue(text) == expected


def test_age_matches_carry_their_value_and_subject(matcher):
    ages = [m for m in matcher.find_all("I am 40 and my 6 year old has lymphoma") if m.kind == "age"]
    assert [(m.age, m.subject, m.is_child) for m in ages] == [(40, "self", False), (6, "other", True)]


def test_every_name_and_alias_of_the_catalog_matches_itself(matcher, catalog: Catalog):
    named = [("condition", c) for c in catalog.conditions.values()] + [("service", s) for s in catalog.services.values()]
    named += [("unit", u) for u in catalog.units.values()] + [("hospital", h) for h in catalog.hospitals.values()]
    for kind, row in named:
        for term in row.terms:
            found = {(m.kind, m.id) for m in matcher.find_all(term.text)}
            assert (kind, row.id) in found, (kind, row.id, term.text)


def test_edit_distance():
    assert edit_distance("leukemia", "leukemai", 2) == 1  # a transposition is one edit
    assert edit_distance("neuroblastma", "neuroblastoma", 2) == 1
    assert edit_distance("cancer", "answer", 1) == 2  # capped at limit + 1
