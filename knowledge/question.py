"""What kind of answer a question wants: a year, a number, which departments, what size, ...

A patient's question names a subject (a unit, a service, a condition: the term matcher finds those) and
asks for one kind of thing about it. The kind is read here from the question's wording, and each kind
says which of the store's facts can answer it, from the fact's typed attributes (a start year, a figure
and its unit, its topics) or its words. General English only: nothing here is about a hospital.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.results import Fact

_YEAR_IN_TEXT = re.compile(r"\b(19|20)\d\d\b")
_VALIDITY_IN_TEXT = re.compile(r"\bvalid\b|\bkept for\b|\bfor the next\b", re.IGNORECASE)


@dataclass(frozen=True)
class AnswerKind:
    """One kind of answer: how a question asks for it, and whether a fact gives it."""

    id: str
    asked: re.Pattern[str]
    gives: Callable[[Fact], bool]


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _text(pattern: str) -> Callable[[Fact], bool]:
    compiled = re.compile(pattern, re.IGNORECASE)
    return lambda fact: bool(compiled.search(fact.text))


def _topics(*topics: str) -> Callable[[Fact], bool]:
    return lambda fact: any(topic in fact.topics for topic in topics)


ANSWER_KINDS: tuple[AnswerKind, ...] = (
    AnswerKind("year", _words(r"\b(when|what year|which year|since when|how long (they|have|has|are) (been )?\w+ing|how old|"
                              r"founded|established|opened?|started?|since which)\b"),
               lambda fact: bool(fact.since or _YEAR_IN_TEXT.search(fact.text))),
    AnswerKind("count", _words(r"\b(how many|number of|how much experience|how experienced|count of|total)\b"),
               lambda fact: fact.value is not None and not (fact.value_unit or "").startswith("mm")),
    AnswerKind("size", _words(r"\b(how big|how large|how small|what size|size|how much tissue|big wound|"
                              r"millimet\w*|mm)\b"),
               lambda fact: (fact.value_unit or "").startswith("mm") or bool(re.search(r"\bmm\b", fact.text))),
    AnswerKind("validity", _words(r"\b(valid|validity|expire\w*|how many years (do |does |will )?(they|it) keep|"
                                  r"for how (long|many years))\b"),
               lambda fact: "years" in (fact.value_unit or "") or bool(_VALIDITY_IN_TEXT.search(fact.text))),
    AnswerKind("departments", _words(r"\b(which|what) (other )?(departments?|specialists?|specialties|teams?|"
                                     r"surgery departments|surgeons|doctors|support teams)\b|\b(work(s|ing)? "
                                     r"(together )?with|cooperat\w+|collaborat\w+|partners?|part of the \w+ team|"
                                     r"support teams?)\b"),
               _topics("partner_departments")),
    AnswerKind("conditions", _words(r"\b(which|what) (illness\w*|diseases?|conditions?|cancers?|kinds? of "
                                    r"(patients|cancer|diseases?))\b|\b(treat|treats|treating|see)\b.*\b(also|too)\b"),
               _topics("conditions_treated")),
    AnswerKind("interval", _words(r"\bhow often\b|\bhow frequent\w*\b|\binterval\b|\bevery (few )?(months?|weeks?)\b"),
               _text(r"\binterval\b|\bvar(y|ies)\b")),
    AnswerKind("relapse", _words(r"\b(cancer|it|disease|tumou?r|melanoma|leuka?emia|lymphoma) (comes?|came|will come) "
                                 r"back\b|\b(relapse\w*|recur\w*)\b"),
               _text(r"\brelapse\b")),
    AnswerKind("who", _words(r"\bwho (will|would|does|do|decides?|makes?|performs?|is doing|checks?)\b|"
                             r"\bwhich doctors?\b"),
               _text(r"\b(surgeon|dermatologists?|patholog\w+|doctors? who|specialists?|in charge)\b")),
    AnswerKind("location", _words(r"\b(in which|which|what) hospital\b|\bwhere is\b|\blocated\b"),
               _text(r"\bis (at|part of|in) the\b")),
)


@dataclass(frozen=True)
class Question:
    """The patient's question and the kinds of answer it asks for (none: a general question)."""

    text: str
    kinds: frozenset[str]

    def wants(self, kind: str) -> bool:
        """Whether the question asks for an answer of `kind`."""
        return kind in self.kinds


def read_question(text: str) -> Question:
    """The question in `text` and the kinds of answer it asks for."""
    text = text or ""
    return Question(text, frozenset(kind.id for kind in ANSWER_KINDS if kind.asked.search(text)))


def kinds_given(question: Question, fact: Fact) -> int:
    """How many of the kinds `question` asks for `fact` gives."""
    return sum(1 for kind in ANSWER_KINDS if kind.id in question.kinds and kind.gives(fact))
