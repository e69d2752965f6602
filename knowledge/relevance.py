"""Ranking cited facts against the question asked, so the fact that answers it comes first.

BM25 (the `bm25s` library, Snowball stems from PyStemmer) scores each fact's plain-words text together
with the page sentence it cites, against the question; a few question words are widened to the words the
pages use ("founded" -> "establishment", "big" -> "mm"), and the kind of answer wanted adds a typed
boost: a year or date prefers a fact with a start year, "how many" a fact with a figure. Ties keep the
content order, so a question that matches nothing reads the facts as before.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import Stemmer

from knowledge.queries import Fact

# Question words widened to the words the pages use for the same thing (general English, not facts).
WIDENED: dict[str, str] = {
    "founded": "establishment established since", "established": "establishment since",
    "start": "since established", "started": "since established", "begin": "since", "began": "since",
    "old": "since establishment", "history": "since establishment",
    "big": "mm size", "large": "mm size", "size": "mm", "small": "mm",
    "valid": "years period certificate", "expire": "years period", "expires": "years period",
    "sister": "sibling", "brother": "sibling", "siblings": "sibling", "relative": "sibling related",
    "stranger": "unrelated", "unrelated": "unrelated", "parent": "haploidentical", "mother": "haploidentical",
    "father": "haploidentical", "cord": "umbilical cord blood",
    "departments": "department division", "work": "collaborate cooperation", "together": "collaborate cooperation",
    "partners": "collaborate", "cooperate": "collaborate cooperation",
    "relapse": "relapse recurrence", "comes": "relapse", "back": "relapse",
    "who": "performed by specialists", "does": "performed", "performs": "performed",
    "kids": "children", "child": "children", "school": "school hospital",
    "trial": "trials", "study": "trials", "studies": "trials",
}
YEAR_QUESTION = re.compile(r"\b(when|what year|which year|since when|how long ago|how old|founded|established|"
                           r"since)\b", re.IGNORECASE)
COUNT_QUESTION = re.compile(r"\b(how many|number of|count|total)\b", re.IGNORECASE)
YEAR_IN_TEXT = re.compile(r"\b(19|20)\d\d\b")
TYPED_BOOST = 1.5


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _query(question: str) -> str:
    words = re.findall(r"[a-z]+", question.casefold())
    return " ".join([question, *(WIDENED[word] for word in words if word in WIDENED)])


def _document(fact: Fact) -> str:
    return f"{fact.text} {fact.source.sentence}"


def relevance(question: str, facts: Sequence[Fact]) -> list[float]:
    """A score per fact (higher: answers `question` better); all zero for an empty question."""
    if not facts or not question.strip():
        return [0.0] * len(facts)
    stemmer = _stemmer()
    corpus = bm25s.tokenize([_document(fact) for fact in facts], stopwords="en", stemmer=stemmer,
                            show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    query = bm25s.tokenize([_query(question)], stopwords="en", stemmer=stemmer, show_progress=False)
    # words of the question that no fact contains cannot be scored: score what is left
    tokens = _query_tokens(query, corpus)
    scores = [float(score) for score in retriever.get_scores(tokens)] if tokens else [0.0] * len(facts)
    wants_year, wants_count = bool(YEAR_QUESTION.search(question)), bool(COUNT_QUESTION.search(question))
    for index, fact in enumerate(facts):
        if wants_year and (fact.since or YEAR_IN_TEXT.search(fact.text)):
            scores[index] += TYPED_BOOST
        if wants_count and fact.value is not None:
            scores[index] += TYPED_BOOST
    return scores


def _query_tokens(query, corpus) -> list[str]:
    """The query's stems that occur in the corpus (bm25s scores a list of token strings)."""
    vocabulary = corpus.vocab
    inverse = {index: token for token, index in query.vocab.items()}
    return [inverse[index] for index in query.ids[0] if inverse.get(index) in vocabulary]


def rank_facts(question: str, facts: Sequence[Fact]) -> list[Fact]:
    """`facts` best answer to `question` first; equal scores keep their order."""
    scores = relevance(question, facts)
    order = sorted(range(len(facts)), key=lambda index: (-scores[index], index))
    return [facts[index] for index in order]
