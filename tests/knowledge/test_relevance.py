"""Ranking a topic's facts against the question: the fact that answers it comes first (issue #12).
Questions written for this test; the facts are the real store's."""
from __future__ import annotations

import pytest

from knowledge.queries import facts_by_topic
from knowledge.relevance import rank_facts, relevance

CASES = [
    # question, topic, words the first fact must contain
    ("in which year did the hematology oncology division start?", "about", ["1978"]),
    ("how many millimetres is the piece of skin they take?", "skin_biopsy", ["2 to 4 mm"]),
    ("my brother is a match, can he give the stem cells?", "transplant", ["sibling"]),
    ("for how many years is the ovarian surgery certificate valid?", "certification", ["five years"]),
    ("since when do they give CAR-T cells?", "car_t", ["2022"]),
]


@pytest.mark.parametrize(("question", "topic", "expected"), CASES)
def test_the_fact_that_answers_the_question_comes_first(session, question, topic, expected):
    facts = facts_by_topic(session, topic)
    first = rank_facts(question, facts)[0]
    assert all(word in first.text for word in expected), first.text


def test_without_a_question_the_content_order_stays(session):
    facts = facts_by_topic(session, "transplant")
    assert rank_facts("", facts) == facts
    assert relevance("", facts) == [0.0] * len(facts)


def test_a_question_sharing_no_word_with_the_facts_keeps_the_order(session):
    facts = facts_by_topic(session, "mohs_surgery")
    assert rank_facts("zzz qqq", facts) == facts
