"""The store's cited facts ranked against the question asked, so the fact that answers it comes first.

A fact's score adds up what ties it to the question:
- its words: BM25 over the fact and the page sentence it cites (`knowledge.relevance`);
- what the question names: a fact linked to the service or condition named scores high, one linked to a
  broader or narrower kind of it less;
- the kind of answer wanted (`knowledge.question`): a year, a number, which departments, a size, ...;
- the topic the conversation's classifier chose, as a prior only: a question the classifier put under
  the wrong topic still finds its fact.
Words of an age cue ("my 5 year old son") say who the patient is, not what is asked, and are left out of
the words compared; word rarity is weighed over the whole store, whatever the candidates. Which facts are candidates (a hospital named, the patient's units,
the patient's age group) is the caller's choice.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from knowledge.matcher import AGE, CONDITION, HOSPITAL, ORGANIZATION, SERVICE, UNIT
from knowledge.question import ANSWER_KINDS, VALUE_KINDS, Question, kinds_given, read_question
from knowledge.reading import read_message
from knowledge.relevance import relevance
from knowledge.results import Fact
from knowledge.snapshot import StoreSnapshot

SERVICE_NAMED, SERVICE_RELATED = 2.0, 1.0
CONDITION_NAMED, CONDITION_RELATED = 1.0, 0.75
# A fact about another condition than the one asked about ("skin cancer" asked, a melanoma fact).
CONDITION_OTHER = -1.0
ORGANIZATION_NAMED = 3.0
UNIT_NAMED = 2.0  # a fact of the unit the question names, or of a unit it belongs to or contains
HOSPITAL_NAMED = 0.5
KIND_GIVEN = 3.5
TOPIC_PRIOR = 1.5
# Below this a fact shares no more with the question than a common word: it does not answer it.
MIN_ANSWER_SCORE = 2.5
# A related fact shown under the answer scores at least this share of the answer's score.
RELATED_SHARE = 0.5


@dataclass(frozen=True)
class RankedFact:
    """A candidate fact, its score, and whether it is about a service the question names (or a kind of
    that service)."""

    fact: Fact
    score: float
    about_named_service: bool = False


@dataclass(frozen=True)
class FactAnswer:
    """The candidates ranked against the question, best first."""

    question: Question
    ranked: tuple[RankedFact, ...]
    # services the question asks whether a place offers ("is CAR-T available?", "do they use CAR-T cells?")
    services_asked_for: frozenset[str] = frozenset()

    @property
    def best(self) -> Fact | None:
        """The fact that answers the question, or None when no candidate scores as an answer."""
        if not self.ranked or self.ranked[0].score < MIN_ANSWER_SCORE:
            return None
        return self.ranked[0].fact

    def related(self, limit: int = 2) -> list[Fact]:
        """Up to `limit` facts closely related to the answer (a good share of its score, other words)."""
        if self.best is None:
            return []
        floor = max(MIN_ANSWER_SCORE, self.ranked[0].score * RELATED_SHARE)
        seen = {self.ranked[0].fact.text}
        place = _place_of(self.ranked[0].fact)
        related = []
        for item in self.ranked[1:]:
            if item.score < floor or len(related) >= limit:
                break
            # related facts are about the answer's own hospital (or organization): another hospital's
            # facts under an answer read as if that hospital were meant too
            if item.fact.text not in seen and _place_of(item.fact) == place:
                seen.add(item.fact.text)
                related.append(item.fact)
        return related

    def names_service_of(self, fact: Fact) -> bool:
        """Whether `fact` is about a service the question names (or a kind of it)."""
        return any(item.fact.id == fact.id and item.about_named_service for item in self.ranked)

    @property
    def service_unmentioned(self) -> bool:
        """Whether the question names a service and no candidate is about it (or a kind of it): "is
        CAR-T available at the children's unit?" when none of that unit's facts speaks of CAR-T."""
        return (bool(self.services_asked_for) and bool(self.ranked)
                and not kinds_given(self.question, self.ranked[0].fact)
                and not any(item.about_named_service for item in self.ranked))

    @property
    def value_not_given(self) -> bool:
        """Whether the question plainly asks for a value (a year, a number, a size) and the fact that
        answers it best gives none: "how many Mohs operations a year?" when no fact counts them."""
        plainly = {kind for kind in self.question.kinds & VALUE_KINDS.keys()
                   if VALUE_KINDS[kind].search(self.question.text)}
        best = self.best
        return bool(plainly) and best is not None and not any(
            kind.gives(best) for kind in ANSWER_KINDS if kind.id in plainly)

    def top(self, limit: int) -> list[Fact]:
        """The answer and its related facts, at most `limit` in all."""
        best = self.best
        return [] if best is None else [best, *self.related(limit - 1)]


# Words that ask whether a service is offered, just before the service ("do they use CAR-T", "is there
# CAR-T") or just after it ("CAR-T possible?", "is CAR-T available").
_OFFER_BEFORE = re.compile(r"\b(available|offer\w*|do|does|use|uses|using|give|gives|provide\w*|perform\w*|"
                           r"possible|get|have|has|is there|are there|any)\W+(\w+\W+)?$", re.IGNORECASE)
_OFFER_AFTER = re.compile(r"^\W*(\w+\W+)?(available|possible|offered|provided|performed|done|given)\b", re.IGNORECASE)


def _offer_asked(text: str, start: int, end: int) -> bool:
    """Whether the service named at text[start:end] is asked about as something offered (a match in the
    `subject` words after the question is not)."""
    return end <= len(text) and bool(_OFFER_BEFORE.search(text[max(0, start - 30):start])
                                     or _OFFER_AFTER.search(text[end:end + 30]))


def _place_of(fact: Fact) -> str | None:
    """The hospital (or, for an organization's fact, the organization) a fact is about."""
    if fact.unit is not None:
        return fact.unit.hospital_id
    if fact.hospital is not None:
        return fact.hospital.id
    return fact.organization.id if fact.organization is not None else None


def topical_text(text: str) -> str:
    """The words of `text` to compare with the facts' words: an age cue blanked ("my 5 year old son" says
    who, not what), and the name of a unit or hospital (the candidates and `UNIT_NAMED` stand for it; its
    words would favour the facts that repeat a unit's long name) unless the names are all the text says;
    a condition named in lay words by its name ("a low white cell count" -> leukopenia: the page's word,
    and not "cell", which would pull in stem cells). Relations stay: "can my brother be the donor?" asks
    about a sibling."""
    matches = read_message(text).matches
    blanked = _replace_terms(text, matches, (AGE, CONDITION, UNIT, HOSPITAL))
    if len([w for w in re.findall(r"[a-z]{3,}", blanked.casefold()) if w not in _FUNCTION_WORDS]) >= 2:
        return blanked
    return _replace_terms(text, matches, (AGE, CONDITION))


_FUNCTION_WORDS = {"the", "and", "for", "what", "which", "where", "who", "how", "does", "are", "is", "was", "there",
                   "this", "that", "with", "about", "tell", "please", "can", "you", "they", "their", "its"}


def _replace_terms(text: str, matches, kinds: tuple[str, ...]) -> str:
    """`text` with the matches of `kinds` replaced: a condition by its name, anything else by a space."""
    pieces, position = [], 0
    for match in matches:
        if match.kind not in kinds or match.start < position:
            continue
        pieces.append(text[position:match.start])
        pieces.append(f" {match.name} " if match.kind == CONDITION else " ")
        position = match.end
    pieces.append(text[position:])
    return "".join(pieces)


def rank_answers(session: Session, text: str, facts: Sequence[Fact], topics: Iterable[str] = (),
                 subject: str = "") -> FactAnswer:
    """`facts` ranked against the question in `text`, best answer first (ties keep content order).
    `topics`: the topic the question was classified under (and those whose facts answer it too), a prior. `subject`: words that name what the
    question is about when the question itself does not ("melanoma" for "... and how do they check it
    did not spread?"): what they name counts as named, their words are not compared."""
    question = read_question(text)
    wanted_topics = set(topics)
    if not facts:
        return FactAnswer(question, ())
    snapshot = StoreSnapshot(session)
    matches = read_message(f"{text}\n{subject}" if subject else text).matches
    services_named = {m.id for m in matches if m.kind == SERVICE}
    services_near = {near for service_id in services_named if service_id in snapshot.service_rows
                     for near in (*snapshot.service_descendants(service_id), *snapshot.service_ancestors(service_id))}
    services_named_or_kinds = {kind for service_id in services_named if service_id in snapshot.service_rows
                               for kind in snapshot.service_descendants(service_id)}
    organizations_named = {m.id for m in matches if m.kind == ORGANIZATION}
    units_named = {family for m in matches if m.kind == UNIT and m.id in snapshot.unit_rows
                   for family in snapshot.unit_family(m.id)}
    hospitals_named = {m.id for m in matches if m.kind == HOSPITAL}
    conditions_named = {m.id for m in matches if m.kind == CONDITION and m.id != "cancer"}
    conditions_near = {cid for condition_id in conditions_named if condition_id in snapshot.condition_rows
                       for kind, cid in snapshot.condition_lineage(condition_id) if cid != "cancer"}

    words = relevance(topical_text(text), facts, corpus=snapshot.facts())
    scored = []
    for position, (fact, word_score) in enumerate(zip(facts, words)):
        services = snapshot.fact_services.get(fact.id, set())
        conditions = snapshot.fact_conditions.get(fact.id, set())
        service_score = SERVICE_NAMED if services & services_named else (
            SERVICE_RELATED if services & services_near else 0)
        condition_score = CONDITION_NAMED if conditions & conditions_named else (
            CONDITION_RELATED if conditions & conditions_near else (
                CONDITION_OTHER if conditions and conditions_named else 0))
        organization_score = ORGANIZATION_NAMED if fact.organization and fact.organization.id in organizations_named else 0
        place_score = UNIT_NAMED if fact.unit and fact.unit.id in units_named else (
            HOSPITAL_NAMED if fact.unit and fact.unit.hospital_id in hospitals_named else 0)
        score = word_score + service_score + condition_score + organization_score + place_score
        # The kind of answer and the topic only rank facts that share something with the question: a
        # figure about transplants does not answer "how many breast surgeries?".
        if score > 0:
            score += KIND_GIVEN * kinds_given(question, fact)
            if wanted_topics & set(fact.topics):
                score += TOPIC_PRIOR
        scored.append((score, position, fact, bool(services & services_named_or_kinds)))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return FactAnswer(question, tuple(RankedFact(fact, score, named) for score, _position, fact, named in scored),
                      frozenset(m.id for m in matches if m.kind == SERVICE and _offer_asked(text, m.start, m.end)))
