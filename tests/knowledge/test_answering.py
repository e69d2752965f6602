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
