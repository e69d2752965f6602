"""What the store's queries return: plain frozen dataclasses, never ORM objects, so that callers can
render an answer after the session is closed. Sequences are tuples. Every statement about a hospital
carries its `Source` (seed file name + the sentence, verbatim). An explanation is a tuple of
`Sentence`s: message ids with their parameters, never words (the words are the message catalog's, made
where they are shown: messages/explain.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NotFoundError(LookupError):
    """An id passed to a query does not exist in the store (the message names it)."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of an explanation: a message id of the catalog (messages/) and its parameters, whose
    values are names, numbers or the refs below (a unit is shown with its hospital, a tuple of units as a
    list). Hashable, so that repeated sentences can be dropped."""

    message_id: str
    params: tuple[tuple[str, Any], ...] = ()


def sentence(message_id: str, **params: Any) -> Sentence:
    """`sentence("route.why.how_old")`, `sentence("route.why.depends_on_age", condition=condition)`."""
    return Sentence(message_id, tuple(params.items()))


@dataclass(frozen=True)
class CategoryName:
    """The name of the kind a condition is ("gynecologic cancer") where a sentence says the condition is
    one: English shows it with its article ("a gynecologic cancer"), languages without articles bare."""

    label: str


@dataclass(frozen=True)
class AsWritten:
    """A condition as the patient wrote it, beside its name in the store: "leukaemia (leukemia)"."""

    written: str
    name: str


@dataclass(frozen=True)
class Source:
    """Where a statement comes from: the seed file name and the sentence, verbatim."""

    file: str
    sentence: str


@dataclass(frozen=True)
class HospitalRef:
    id: str
    name: str
    short_name: str | None
    note: str | None  # e.g. that the page does not name its hospital


@dataclass(frozen=True)
class OrganizationRef:
    id: str
    name: str
    short_name: str | None


@dataclass(frozen=True)
class UnitRef:
    """A unit; `full_name` adds its parent units ("Hematology, Division of ..., Department of ...")."""

    id: str
    name: str
    kind: str
    full_name: str
    hospital_id: str
    hospital_name: str
    serves_age_group: str | None = None  # 'child' or 'adult' where the unit serves only that group

    def serves(self, age_group: str | None) -> bool:
        """Whether a patient of `age_group` (None: not known) can be seen here."""
        return age_group is None or self.serves_age_group in (None, age_group)


@dataclass(frozen=True)
class ConditionRef:
    id: str
    name: str
    category: str
    category_label: str


@dataclass(frozen=True)
class ServiceRef:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class OutOfScopeRef:
    id: str
    name: str
    text: str  # as the patient wrote it


@dataclass(frozen=True)
class FactTranslation:
    """A fact's text in a patient's language (not English), and whether a native speaker has reviewed it."""

    language: str
    text: str
    reviewed_by_native_speaker: bool


@dataclass(frozen=True)
class Fact:
    """A fact in plain words, faithful to its source.

    topic is the main topic; topics all of them (see `TOPICS`). value/value_max/value_unit hold a
    figure where the page gives one (a range as value..value_max), since a start year ("since
    1985"), as_of the date the page gives for the statement (ISO, e.g. "2021-10-08") with
    as_of_source the sentence that dates it. translations: the text in the patients' other languages
    (content/translations/), beside the English `text`, which the source's sentence says.
    """

    id: str
    topic: str
    topics: tuple[str, ...]
    text: str
    hospital: HospitalRef | None
    unit: UnitRef | None
    organization: OrganizationRef | None
    value: float | None
    value_max: float | None
    value_unit: str | None
    since: str | None
    as_of: str | None
    as_of_source: Source | None
    source: Source
    translations: tuple[FactTranslation, ...] = ()

    def translation(self, language: str) -> FactTranslation | None:
        """The text in `language`, None when there is none (English: the fact's own `text`)."""
        return next((t for t in self.translations if t.language == language), None)


@dataclass(frozen=True)
class Route:
    """Where to go. age_group: who the route is for ('child', 'adult', or None for either)."""


    unit: UnitRef
    age_group: str | None
    reason: str
    note: str | None  # how the route was decided, when it is the project's rule rather than the page's
    sources: tuple[Source, ...]
    as_of: str | None = None  # the date the page gives for the statement behind the route


@dataclass(frozen=True)
class RoutingResult:
    """The answer of `route_patient`.

    condition: the recognised condition (None when none was recognised). age_group: 'child' | 'adult'
    | None. needs_age_group: the route depends on age and the age is unknown; `routes` then holds the
    candidates for both groups, each labelled with its `age_group`. in_scope: False for health
    problems outside cancer care and blood diseases (`out_of_scope` says which) and for text with no
    recognised condition or service. service: a recognised service, used for routing when no
    condition is named ("bone marrow transplant for my son").
    """

    condition: ConditionRef | None
    age_group: str | None
    age: int | None
    relation: str | None
    needs_age_group: bool
    routes: tuple[Route, ...]
    in_scope: bool
    out_of_scope: OutOfScopeRef | None
    service: ServiceRef | None
    explanation: tuple[Sentence, ...]


@dataclass(frozen=True)
class Offering:
    """A unit offers a service. as_of: the date the page gives for the statement, if any."""

    service: ServiceRef
    unit: UnitRef
    text: str
    source: Source
    as_of: str | None = None


@dataclass(frozen=True)
class Offerings:
    """What a unit (with its sub-units) or a hospital offers."""

    hospital: HospitalRef | None
    unit: UnitRef | None
    items: tuple[Offering, ...]


@dataclass(frozen=True)
class TransplantKind:
    """A kind of stem cell transplant (donor type) and the units the pages say perform it."""

    service: ServiceRef
    offered_by: tuple[Offering, ...]


@dataclass(frozen=True)
class TransplantOverview:
    """kinds: each kind of transplant; general: units that do transplants without naming kinds;
    facts: the transplant facts, with the count and since-when."""

    kinds: tuple[TransplantKind, ...]
    general: tuple[Offering, ...]
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class PartnerDepartment:
    unit: UnitRef
    department: str
    purpose: str
    source: Source


@dataclass(frozen=True)
class FollowUpStep:
    unit: UnitRef
    step: int
    text: str
    source: Source


@dataclass(frozen=True)
class Contact:
    """A contact line. organization/hospital: whose line it is. about_hospital: the hospital the page
    showing it is about. note: what the line is NOT (e.g. KIMA's line, not the hospital's)."""

    id: str
    organization: OrganizationRef | None
    hospital: HospitalRef | None
    about_hospital: HospitalRef | None
    kind: str
    value: str
    label: str
    note: str | None
    source: Source


@dataclass(frozen=True)
class ServiceAvailability:
    """Whether the store says a place offers a service.

    status: 'offered' | 'not_stated' | 'unknown_service' | 'unknown_place'. offered: True when the
    pages say so, None otherwise (the pages never say "no"). offerings: the statements that say so.
    related: broader services offered there (a transplant unit that does not name its kinds).
    offered_elsewhere: the same service at other units. related_facts: facts that mention the
    service at that place (such as research on it).
    """

    service: ServiceRef | None
    hospital: HospitalRef | None
    unit: UnitRef | None
    status: str
    offered: bool | None
    offerings: tuple[Offering, ...]
    related: tuple[Offering, ...]
    offered_elsewhere: tuple[Offering, ...]
    related_facts: tuple[Fact, ...]
    explanation: tuple[Sentence, ...]

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(dict.fromkeys(o.source for o in self.offerings))

