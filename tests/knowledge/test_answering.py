"""Ranking the store's facts against the question asked (issue #12): the fact that answers it comes first,
whichever topic the question was filed under. Questions written for this test (none is in
evaluation/qa_cases.yml); the facts are the real store's."""
from __future__ import annotations

import pytest

from knowledge.answering import MIN_ANSWER_SCORE, rank_answers
from knowledge.queries import facts_by_topic
from knowledge.question import read_question
from knowledge.relevance import relevance

CASES = [
    # question, words the answer (the best fact of the whole store) must contain
    ("in which year did the hematology oncology division start?", ["1978"]),
    ("how many millimetres is the piece of skin they take?", ["2 to 4 mm"]),
    ("my brother is a match, can he give the stem cells?", ["sibling"]),
    ("for how many years is the ovarian surgery certificate valid?", ["five years"]),
    ("since when do they give CAR-T cells?", ["2022"]),
    ("which labs and infection specialists does the adult hematology oncology division work with?",
     ["Laboratory Medicine"]),
    ("how often are the check-ups after skin cancer treatment?", ["vary"]),
    ("is there a school for children who stay in hospital a long time?", ["hospital school"]),
]


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_the_fact_that_answers_the_question_comes_first(session, question, expected):
    answer = rank_answers(session, question, facts_by_topic(session, None))
    assert answer.best is not None, question
    assert all(word in answer.best.text for word in expected), answer.best.text


def test_the_topic_is_a_prior_not_a_filter(session):
    """Filed under the wrong topic, the question still finds its fact."""
    facts = facts_by_topic(session, None)
    answer = rank_answers(session, "since which year does SNUH do stem cell transplants?", facts, topics=("car_t",))
    assert "1985" in answer.best.text


def test_related_facts_are_few_and_never_the_answer_again(session):
    answer = rank_answers(session, "tell me about stem cell transplants at SNUH", facts_by_topic(session, None))
    related = answer.related(limit=2)
    assert len(related) <= 2
    assert answer.best not in related
    assert answer.top(3)[0] == answer.best


def test_a_question_sharing_nothing_with_the_facts_has_no_answer(session):
    facts = facts_by_topic(session, None)
    assert rank_answers(session, "zzz qqq", facts).best is None
    assert rank_answers(session, "", facts).best is None
    assert rank_answers(session, "what is the weather in Busan tomorrow", facts).best is None
    assert relevance("", facts) == [0.0] * len(facts)


def test_a_figure_about_something_else_is_not_an_answer(session):
    """'how many' gives a figure the weight of an answer only when the fact is about what was asked."""
    answer = rank_answers(session, "how many breast cancer surgeries are done per year?",
                          facts_by_topic(session, None, unit_id="snuh_hmo_medical_oncology"))
    assert answer.best is None or "transplant" not in answer.best.text


def test_candidates_are_the_callers_choice(session):
    skin = facts_by_topic(session, None, unit_id="snuch_skin_cancer_center")
    answer = rank_answers(session, "are there clinical trials?", skin)
    assert answer.best is None or answer.best.unit.id == "snuch_skin_cancer_center"
    assert MIN_ANSWER_SCORE > 0


@pytest.mark.parametrize(("question", "kinds"), [
    ("When was the division founded?", {"year"}),
    ("How many transplants have they done?", {"count"}),
    ("How big is the skin sample?", {"size"}),
    ("How long is the certificate valid?", {"validity"}),
    ("Which departments work with the team?", {"departments"}),
    ("How often are the checkups?", {"interval"}),
    ("What happens if the melanoma comes back?", {"relapse"}),
    ("Tell me about CAR-T", set()),
    ("I need to come back for my checkups", set()),
])
def test_the_kind_of_answer_wanted_is_read_from_the_wording(question, kinds):
    assert read_question(question).kinds == kinds


# --- issue #12, answering what was asked: specialists, a fact's sentence, what the pages do not give ---

@pytest.mark.parametrize(("unit", "lay_words", "department"), [
    ("snuh_pediatric_hmo", "the eye doctors?", "Ophthalmology"),
    ("snuch_skin_cancer_center", "a reconstruction surgeon?", "Plastic"),
    ("snuch_skin_cancer_center", "radiotherapy doctors?", "Radiation Oncology"),
])
def test_a_specialist_in_lay_words_finds_the_department_the_pages_name(session, unit, lay_words, department):
    facts = facts_by_topic(session, None, unit_id=unit)
    scores = relevance(lay_words, facts)
    best = max(range(len(facts)), key=scores.__getitem__)
    assert scores[best] > 0 and department in facts[best].text


@pytest.mark.parametrize(("question", "asks_departments"), [
    ("would a urologist join the operation if the tumour reaches the bladder?", True),
    ("is a pathologist involved in reading the sample?", True),
    ("are there skin doctors in that team?", True),
    ("do all the doctors of the center work as a team?", False),
    ("do the blood doctors also treat low platelets?", False),
])
def test_whether_a_kind_of_specialist_takes_part_asks_for_the_departments(question, asks_departments):
    assert ("departments" in read_question(question).kinds) is asks_departments


def test_the_sentence_of_a_fact_that_answers_comes_first():
    from knowledge.relevance import asked_sentence_first

    text = ("Specialists from Dermatology and Pathology meet to plan treatment. When needed, surgeons from "
            "Urology and Vascular Surgery join the operation.")
    reordered = asked_sentence_first("would a urologist help in the operation?", text)
    assert reordered.startswith("When needed, surgeons from Urology")
    assert "Specialists from Dermatology" in reordered  # nothing is dropped
    assert asked_sentence_first("which specialists meet to plan treatment?", text) == text
    # a sentence that leans on the one before it is never moved away from it
    leaning = "The unit treats melanoma. It also sees urology patients."
    assert asked_sentence_first("do they see urology patients?", leaning) == leaning


def test_a_value_the_best_fact_does_not_give_is_not_answered_by_it(session):
    """"How many Mohs operations a year?": the Mohs fact gives no number, so it does not answer."""
    skin = facts_by_topic(session, None, unit_id="snuch_skin_cancer_center")
    assert rank_answers(session, "how many Mohs procedures are done there each year?", skin).value_not_given
    biopsy = rank_answers(session, "how big is the piece of skin taken in a biopsy?", skin)
    assert not biopsy.value_not_given and "mm" in biopsy.best.text
    # "opened the first ward" names no year wanted
    children = facts_by_topic(session, None, unit_id="snuh_pediatric_hmo")
    assert not rank_answers(session, "they opened the first cancer ward for children, is it true?", children).value_not_given


def test_a_service_asked_for_that_no_candidate_speaks_of_is_unmentioned(session):
    gyn = facts_by_topic(session, None, unit_id="smc_gynecologic_cancer_center")
    assert rank_answers(session, "do they give CAR-T cell therapy for ovarian cancer there?", gyn).service_unmentioned
    hmo = facts_by_topic(session, None, unit_id="snuh_hmo")
    assert not rank_answers(session, "do they give CAR-T cell therapy there?", hmo).service_unmentioned
    # a service named but not asked for ("the radiation doctors plan it together") is not a question about it
    assert not rank_answers(session, "will the surgeons and radiation doctors plan it together?", gyn).service_unmentioned


def test_who_looks_at_something_asks_who():
    assert "who" in read_question("at the first visit, who looks at the mole?").kinds


@pytest.mark.parametrize(("question", "expected"), [
    # lay words widened to the pages' words
    ("can they choose the medicine by the genes of my cancer?", "precision"),
    ("is there a team for children focused on comfort and relief at the end?", "palliative"),
    ("my transplant did not work, would they transplant again?", "secondary"),
])
def test_lay_words_reach_the_pages_words(session, question, expected):
    assert expected in rank_answers(session, question, facts_by_topic(session, None)).best.text


def test_a_transplant_asked_again_is_the_second_transplant_not_a_relapse_check(session):
    """"again", "another": the pages say "secondary"; the relapse words alone would pick a skin fact."""
    answer = rank_answers(session, "the leukemia relapsed after my transplant. would they transplant again?",
                          facts_by_topic(session, None))
    assert "secondary" in answer.best.text


@pytest.mark.parametrize(("question", "kind", "asked"), [
    ("on what date was that news published?", "year", True),
    ("who tells me when to come back?", "who", True),
    ("do they read it alone or together with some other department?", "departments", True),
    # "treating ..., or do they also teach" asks nothing about other conditions treated
    ("is it only treating patients, or do they also teach?", "conditions", False),
])
def test_more_wordings_of_a_kind_of_answer(question, kind, asked):
    assert (kind in read_question(question).kinds) is asked


@pytest.mark.parametrize(("question", "expected"), [
    ("besides treating patients, does the HMO division do teaching?", "education"),
    ("was that certificate a first for an Asian country?", "Asia"),
    ("what kind of organisation is KIMA?", "Association"),
    ("at the skin center, is treatment planned individually?", "personalized"),
])
def test_general_words_widened_to_the_pages_words(session, question, expected):
    assert expected in rank_answers(session, question, facts_by_topic(session, None)).best.text
