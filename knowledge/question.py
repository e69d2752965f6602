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


# Whether a kind of specialist takes part: "do urologists help in the surgery?", "is a pathologist also
# checking?", "any reconstruction doctors in the team?", "a vascular surgeon available if needed?".
# A kind of doctor ("skin doctors", "a chemo doctor"), not doctors in general ("all the doctors", "one doctor").
_SPECIALIST = (r"(\w+ologists?|(\w+ )?surgeons?|(?!(the|all|one|a|an|any|each|every|some|other|my|his|her|our|"
               r"your|their|blood|cancer)\b)\w+ doctors?|nuclear medicine|radiotherapy|"
               r"radiation oncology|laboratory|lab)")
_SPECIALIST_ASKED = (r"\b(do|does|is|are|any|will|would|can|could)\b[^.?!]{0,40}\b" + _SPECIALIST +
                     r"\b[^.?!]{0,50}\b(help|helps|join|joins|part of|team|available|work|works|fix|repair|"
                     r"check\w*|sit|involved)\b")

ANSWER_KINDS: tuple[AnswerKind, ...] = (
    AnswerKind("year", _words(r"\b(when|what year|which year|since when|how long (they|have|has|are) (been )?\w+ing|how old|"
                              r"founded|established|opened?|started?|since which|(what|which) (date|day|month)|dated)\b"),
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
                                     r"support teams?|together with (some |a |the |other )?(\w+ )?(departments?|teams?|specialists?))\b|"
                                     + _SPECIALIST_ASKED),
               _topics("partner_departments")),
    AnswerKind("conditions", _words(r"\b(which|what) (illness\w*|diseases?|conditions?|cancers?|kinds? of "
                                    r"(patients|cancer|diseases?))\b|\b(treat|treats|treating|see)\b[^,;.?!]*\b(also|too)\b"),
               _topics("conditions_treated")),
    AnswerKind("interval", _words(r"\bhow often\b|\bhow frequent\w*\b|\binterval\b|\bevery (few )?(months?|weeks?)\b"),
               _text(r"\binterval\b|\bvar(y|ies)\b")),
    AnswerKind("relapse", _words(r"\b(cancer|it|disease|tumou?r|melanoma|leuka?emia|lymphoma) (comes?|came|will come) "
                                 r"back\b|\b(relapse\w*|recur\w*)\b"),
               _text(r"\brelapse\b")),
    AnswerKind("who", _words(r"\bwho (will|would|does|do|decides?|makes?|performs?|is doing|checks?|tells?|says?|"
                             r"instructs?|schedules?|looks? at|examines?|sees)\b|"
                             r"\bwhich doctors?\b"),
               _text(r"\b(surgeon|dermatologists?|patholog\w+|doctors? who|specialists?|in charge|"
                     r"doctors? instructs?)\b")),
    AnswerKind("location", _words(r"\b(in which|which|what) hospital\b|\bwhere is\b|\blocated\b"),
               _text(r"\bis (at|part of|in) the\b")),
)


# Kinds whose answer is a value the fact must state: a fact without it does not answer the question.
# Each with the wording that asks for the value itself ("opened the first ward" names no year wanted).
VALUE_KINDS: dict[str, re.Pattern[str]] = {
    "year": re.compile(r"\b(what|which|in what|in which) (year|date)\b|\bsince when\b|\bwhen (was|were|did)\b",
                       re.IGNORECASE),
    "count": re.compile(r"\bhow many\b|\bnumber of\b", re.IGNORECASE),
    "size": re.compile(r"\b(how big|how large|how small|what size|mm)\b|\bmillimet", re.IGNORECASE),
}


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
