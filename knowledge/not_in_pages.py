"""What the hospitals' pages never say: the kinds of question (prices, waiting times, success rates,
insurance, doctors' names, addresses, visas, accommodation costs) that no fact of the store answers.

The bot answers such a question with "the pages give no information on it" and a coordinator, instead of
reciting facts of another kind (vocabulary/not_in_pages.yml). Ids only: the patient-facing sentences are
the actions' (actions/not_in_pages.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).with_name("vocabulary") / "not_in_pages.yml"
# The order in which kinds are tried: an accommodation price is an accommodation question, not a
# treatment price.
PRECEDENCE = ("accommodation_cost",)


@dataclass(frozen=True)
class UnansweredKind:
    """One kind of question the pages never answer, with the words that would say they now might."""

    id: str
    pattern: re.Pattern
    unless: re.Pattern | None
    evidence: tuple[str, ...]

    def asked_in(self, text: str) -> bool:
        return bool(self.pattern.search(text)) and not (self.unless and self.unless.search(text))


@lru_cache(maxsize=1)
def _vocabulary(path: Path = VOCABULARY) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def unanswered_kinds(path: Path = VOCABULARY) -> tuple[UnansweredKind, ...]:
    """The kinds, compiled; a broken pattern fails at start-up with the file and the kind named."""
    document = _vocabulary(path)
    kinds = []
    for entry in document["kinds"]:
        try:
            kinds.append(UnansweredKind(
                id=entry["id"],
                pattern=re.compile(entry["pattern"], re.IGNORECASE),
                unless=re.compile(entry["unless"], re.IGNORECASE) if entry.get("unless") else None,
                evidence=tuple(entry.get("evidence") or ()),
            ))
        except (KeyError, re.error) as error:
            raise ValueError(f"{path}: kind {entry.get('id', '?')!r} is invalid: {error}") from error
    first = [kind for kind in kinds if kind.id in PRECEDENCE]
    return tuple(first + [kind for kind in kinds if kind.id not in PRECEDENCE])


@lru_cache(maxsize=1)
def _care_context(path: Path = VOCABULARY) -> re.Pattern:
    return re.compile(_vocabulary(path)["care_context"], re.IGNORECASE)


def about_care(text: str) -> bool:
    """Whether `text` is about care at all (a hospital, a treatment, a doctor, a cancer)."""
    return bool(_care_context().search(text))


def kind_not_in_pages(text: str) -> str | None:
    """The id of the kind of question in `text` that the pages never answer, or None."""
    normalised = text.replace("’", "'")
    for kind in unanswered_kinds():
        if kind.asked_in(normalised):
            return kind.id
    return None
