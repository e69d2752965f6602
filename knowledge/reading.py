"""A patient's message read once: what it names (conditions, services, units, hospitals, organizations),
who the patient is (age, child or adult, relation, woman or man) and the matches behind them.

The term matcher is the one reader of a message; every layer that needs to know what a message names
(the answer ranking, the place named, the patient's age group) asks `read_message`, which reads each text
once per process and keeps the reading, instead of running the matcher again in each layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from knowledge.matcher import (
    CONDITION,
    HOSPITAL,
    ORGANIZATION,
    SERVICE,
    UNIT,
    AgeCue,
    TermMatch,
    get_matcher,
)

CACHED_READINGS = 2048


@dataclass(frozen=True)
class MessageReading:
    """What one text names, in the order it names it."""

    text: str
    matches: tuple[TermMatch, ...]  # every match, overlapping ones included (TermMatcher.find_all)
    age_cue: AgeCue
    sex: str | None = None  # "female" | "male" when the words say (TermMatcher.patient_sex)

    def ids(self, kind: str) -> tuple[str, ...]:
        """The ids the text names of one kind (condition, service, unit, hospital, organization), in order,
        each once."""
        return tuple(dict.fromkeys(match.id for match in self.matches if match.kind == kind))

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.ids(CONDITION)

    @property
    def services(self) -> tuple[str, ...]:
        return self.ids(SERVICE)

    @property
    def units(self) -> tuple[str, ...]:
        return self.ids(UNIT)

    @property
    def hospitals(self) -> tuple[str, ...]:
        return self.ids(HOSPITAL)

    @property
    def organizations(self) -> tuple[str, ...]:
        return self.ids(ORGANIZATION)


@lru_cache(maxsize=CACHED_READINGS)
def read_message(text: str) -> MessageReading:
    """The reading of `text` (kept: the same text is read once per process)."""
    matcher = get_matcher()
    matches = matcher.find_all(text or "")
    return MessageReading(text or "", tuple(matches), matcher.age_cue(text or "", matches),
                          matcher.patient_sex(text or ""))
