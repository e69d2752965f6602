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
    # specialists in lay words, widened to the department the pages name ("eye surgeons" -> Ophthalmology)
    "eye": "ophthalmology", "eyes": "ophthalmology", "radiotherapy": "radiation oncology",
    "reconstruction": "plastic reconstructive", "reconstructive": "plastic reconstructive",
    "bladder": "urology", "vessels": "vascular", "vessel": "vascular",
    "teach": "education", "teaching": "education", "teaches": "education", "students": "education",
    "individually": "personalized each patient", "individual": "personalized each patient",
    "genes": "genomics precision", "gene": "genomics precision", "genetic": "genomics precision",
    "mutation": "molecular genomics", "mutations": "molecular genomics",
    "relief": "palliative", "comfort": "palliative", "hospice": "palliative",
    "again": "second secondary", "another": "second secondary",
    "personally": "personalized", "asian": "asia", "organisation": "association", "organization": "association",
    "before": "first", "date": "dated", "article": "news item", "published": "news item dated",
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


# Sentences of a fact's text; a sentence that starts with a pronoun leans on the one before it.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LEANS_ON_PREVIOUS = re.compile(r"^(it|its|this|these|that|those|they|their|he|she|there)\b", re.IGNORECASE)
_MINOR_WORDS = frozenset({"what", "which", "when", "where", "who", "how", "does", "do", "did", "can", "could",
                          "would", "will", "have", "has", "also", "they", "them", "there", "from", "with", "about",
                          "your", "their", "need", "needed", "any", "some", "other"})


def _stems(text: str) -> set[str]:
    words = [w for w in re.findall(r"[a-z]+", text.casefold()) if len(w) > 2 and w not in _MINOR_WORDS
             and w not in bm25s.stopwords.STOPWORDS_EN]
    return set(_stemmer().stemWords(words))


def asked_sentence_first(question: str, text: str) -> str:
    """`text` (a fact of several sentences) with the sentence that shares most words with `question`
    first, when that is not the first sentence already ("do urologists join the surgery?" and a fact
    whose second sentence names Urology); the text unchanged otherwise."""
    sentences = _SENTENCE_BREAK.split(text.strip())
    if len(sentences) < 2 or not question.strip():
        return text
    asked = _stems(_query(question))
    shared = [len(asked & _stems(sentence)) for sentence in sentences]
    best = max(range(len(sentences)), key=lambda index: (shared[index], -index))
    if best == 0 or shared[best] <= shared[0] or _LEANS_ON_PREVIOUS.match(sentences[best]):
        return text
    return " ".join([sentences[best], *sentences[:best], *sentences[best + 1:]])
