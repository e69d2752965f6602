"""The query API the Rasa actions call.

Every function takes a SQLAlchemy `Session` first and returns plain frozen dataclasses (never ORM
objects), so callers can render the answer after the session is closed. Sequences are tuples.

Every answer about a hospital carries its `Source` (seed file name + the sentence, verbatim). When
the store has no statement, answers say the pages do not say so; they never turn silence into "no".
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.matcher import (
    AGE,
    CONDITION,
    HOSPITAL,
    ORGANIZATION,
    OUT_OF_SCOPE,
    RELATION,
    SERVICE,
    UNIT,
    get_matcher,
)
from knowledge.models import (
    CategoryRow,
    ConditionRow,
    ContactRow,
    FactConditionRow,
    FactRow,
    FactServiceRow,
    FactTopicRow,
    FollowUpStepRow,
    HospitalRow,
    OfferingRow,
    OrganizationRow,
    PartnerDepartmentRow,
    ServiceRow,
    SourceRow,
    TreatmentRow,
    UnitRow,
)
from knowledge.topics import TOPIC_DESCRIPTIONS, TOPICS

__all__ = [
    "TOPICS", "TOPIC_DESCRIPTIONS", "NotFoundError",
    "Source", "HospitalRef", "OrganizationRef", "UnitRef", "ConditionRef", "ServiceRef", "OutOfScopeRef",
    "Fact", "Route", "RoutingResult", "Offering", "Offerings", "TransplantKind", "TransplantOverview",
    "PartnerDepartment", "FollowUpStep", "Contact", "ServiceAvailability",
    "route_patient", "unit_offerings", "hospital_offerings", "transplant_kinds", "facts_by_topic",
    "follow_up_care", "partner_departments", "contacts", "service_availability", "search",
    "list_hospitals", "list_units", "resolve_service", "resolve_place", "store_counts",
]

CHILD, ADULT = "child", "adult"


class NotFoundError(LookupError):
    """An id passed to a query does not exist in the store (the message names it)."""


# --------------------------------------------------------------------------------------------------
# Returned dataclasses
# --------------------------------------------------------------------------------------------------


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
class Fact:
    """A fact in plain words, faithful to its source.

    topic is the main topic; topics all of them (see `TOPICS`). value/value_max/value_unit hold a
    figure where the page gives one (a range as value..value_max), since a start year ("since
    1985"), as_of the date the page gives for the statement (ISO, e.g. "2021-10-08") with
    as_of_source the sentence that dates it.
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
    explanation: str


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
    explanation: str

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(dict.fromkeys(o.source for o in self.offerings))


# --------------------------------------------------------------------------------------------------
# Loading: the store is small (hundreds of rows), so each call reads the tables it needs once.
# --------------------------------------------------------------------------------------------------


class _Snapshot:
    def __init__(self, session: Session):
        self.session = session

    def _all(self, model) -> list:
        return list(self.session.execute(select(model)).scalars())

    @cached_property
    def sources(self) -> dict[str, Source]:
        return {row.id: Source(row.file, row.sentence) for row in self._all(SourceRow)}

    @cached_property
    def hospital_rows(self) -> dict[str, HospitalRow]:
        return {row.id: row for row in self._all(HospitalRow)}

    @cached_property
    def hospitals(self) -> dict[str, HospitalRef]:
        return {h.id: HospitalRef(h.id, h.name, h.short_name, h.note) for h in self.hospital_rows.values()}

    @cached_property
    def organizations(self) -> dict[str, OrganizationRef]:
        return {o.id: OrganizationRef(o.id, o.name, o.short_name) for o in self._all(OrganizationRow)}

    @cached_property
    def unit_rows(self) -> dict[str, UnitRow]:
        return {row.id: row for row in self._all(UnitRow)}

    @cached_property
    def units(self) -> dict[str, UnitRef]:
        return {
            u.id: UnitRef(u.id, u.name, u.kind, u.full_name, u.hospital_id, self.hospitals[u.hospital_id].name,
                          u.serves_age_group)
            for u in self.unit_rows.values()
        }

    @cached_property
    def categories(self) -> dict[str, CategoryRow]:
        return {row.id: row for row in self._all(CategoryRow)}

    @cached_property
    def condition_rows(self) -> dict[str, ConditionRow]:
        return {row.id: row for row in self._all(ConditionRow)}

    @cached_property
    def service_rows(self) -> dict[str, ServiceRow]:
        rows = self.session.execute(select(ServiceRow).order_by(ServiceRow.position)).scalars()
        return {row.id: row for row in rows}

    def condition(self, condition_id: str) -> ConditionRef:
        row = self.condition_rows[condition_id]
        return ConditionRef(row.id, row.name, row.category_id, self.categories[row.category_id].label)

    def service(self, service_id: str) -> ServiceRef:
        row = self.service_rows[service_id]
        return ServiceRef(row.id, row.name, row.description)

    def unit_descendants(self, unit_id: str) -> list[str]:
        """The unit and every unit inside it."""
        found, frontier = [unit_id], [unit_id]
        while frontier:
            children = [u.id for u in self.unit_rows.values() if u.parent_id in frontier]
            found.extend(children)
            frontier = children
        return found

    def hospital_units(self, hospital_id: str, include_site_pages: bool = True) -> list[str]:
        """Units of the hospital, plus (optionally) units on pages of its website that do not name a hospital."""
        hospitals = {hospital_id}
        if include_site_pages:
            hospitals |= {h.id for h in self.hospital_rows.values() if h.site_owner_id == hospital_id}
        return [u.id for u in self.unit_rows.values() if u.hospital_id in hospitals]

    def service_descendants(self, service_id: str) -> list[str]:
        found, frontier = [service_id], [service_id]
        while frontier:
            children = [s.id for s in self.service_rows.values() if s.parent_id in frontier]
            found.extend(children)
            frontier = children
        return found

    def service_ancestors(self, service_id: str) -> list[str]:
        found, current = [], self.service_rows[service_id].parent_id
        while current is not None:
            found.append(current)
            current = self.service_rows[current].parent_id
        return found

    def condition_lineage(self, condition_id: str) -> list[tuple[str, str]]:
        """What a condition belongs to, most specific first: the condition, its parent conditions,
        then their categories and broader categories, as ('condition'|'category', id) pairs."""
        conditions, current = [], condition_id
        while current is not None:
            conditions.append(current)
            current = self.condition_rows[current].parent_id
        categories: list[str] = []
        for cid in conditions:
            category = self.condition_rows[cid].category_id
            while category is not None:
                if category not in categories:
                    categories.append(category)
                category = self.categories[category].broader_id
        return [("condition", c) for c in conditions] + [("category", c) for c in categories]

    @cached_property
    def fact_topics(self) -> dict[str, list[str]]:
        topics: dict[str, list[str]] = defaultdict(list)
        for row in self._all(FactTopicRow):
            topics[row.fact_id].append(row.topic)
        return topics

    @cached_property
    def fact_services(self) -> dict[str, set[str]]:
        links: dict[str, set[str]] = defaultdict(set)
        for row in self._all(FactServiceRow):
            links[row.fact_id].add(row.service_id)
        return links

    @cached_property
    def fact_conditions(self) -> dict[str, set[str]]:
        links: dict[str, set[str]] = defaultdict(set)
        for row in self._all(FactConditionRow):
            links[row.fact_id].add(row.condition_id)
        return links

    def fact(self, row: FactRow) -> Fact:
        # Primary topic first, then the others in a fixed order.
        others = sorted((t for t in self.fact_topics.get(row.id, []) if t != row.topic), key=TOPICS.index)
        return Fact(
            id=row.id, topic=row.topic, topics=(row.topic, *others), text=row.text,
            hospital=self.hospitals.get(row.hospital_id) if row.hospital_id else None,
            unit=self.units.get(row.unit_id) if row.unit_id else None,
            organization=self.organizations.get(row.organization_id) if row.organization_id else None,
            value=row.value, value_max=row.value_max, value_unit=row.value_unit, since=row.since, as_of=row.as_of,
            as_of_source=self.sources[row.as_of_source_id] if row.as_of_source_id else None,
            source=self.sources[row.source_id],
        )

    def facts(self, statement=None) -> list[Fact]:
        statement = statement if statement is not None else select(FactRow)
        return [self.fact(row) for row in self.session.execute(statement.order_by(FactRow.position)).scalars()]

    def offering(self, row: OfferingRow) -> Offering:
        return Offering(self.service(row.service_id), self.units[row.unit_id], row.text, self.sources[row.source_id],
                        row.as_of)

    def offerings(self, unit_ids: Iterable[str] | None = None, service_ids: Iterable[str] | None = None) -> list[Offering]:
        statement = select(OfferingRow)
        if unit_ids is not None:
            statement = statement.where(OfferingRow.unit_id.in_(list(unit_ids)))
        if service_ids is not None:
            statement = statement.where(OfferingRow.service_id.in_(list(service_ids)))
        rows = self.session.execute(statement).scalars()
        return sorted((self.offering(row) for row in rows), key=self._offering_order)

    @cached_property
    def _service_position(self) -> dict[str, int]:
        return {service_id: index for index, service_id in enumerate(self.service_rows)}

    def _offering_order(self, offering: Offering) -> tuple:
        # Hospital, then unit, then the vocabulary's order of services (transplant kinds together).
        return (offering.unit.hospital_id, offering.unit.full_name, self._service_position[offering.service.id])


def _require(table: dict, key: str, what: str) -> None:
    if key not in table:
        raise NotFoundError(f"No {what} with id {key!r} in the knowledge store.")


# --------------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------------


def route_patient(
    session: Session, condition_text: str, age: int | None = None, is_child: bool | None = None
) -> RoutingResult:
    """Which unit to go to for what the patient wrote ("my son has leukaemia", "blood cancer", "I am 45").

    The condition, and the age when neither `age` nor `is_child` is passed, are read from the text
    with the term matcher.
    Children and adolescents are under 18 (the project's cut-off; the pages give none). Rules, from
    the content's treatment rows: a unit named for the condition itself beats one named for its
    parent condition, which beats one named for its category, then broader categories ("lung
    cancer" -> solid tumor -> SNUH Medical Oncology). For a child, the pediatric unit that names
    "other childhood cancers" is always offered too. Health problems outside cancer care and blood
    diseases come back with in_scope=False and no routes.
    """
    snapshot = _Snapshot(session)
    matcher = get_matcher()
    matches = matcher.find_all(condition_text or "")
    cue = matcher.age_cue(condition_text or "", matches)
    # What the caller passes (from the conversation) wins over what the text says, and an age wins
    # over a child/adult flag.
    if age is None and is_child is None:
        age = cue.age
    if age is not None:
        age_group: str | None = CHILD if age < matcher.adult_from_age else ADULT
    elif is_child is not None:
        age_group = CHILD if is_child else ADULT
    else:
        age_group = {True: CHILD, False: ADULT, None: None}[cue.is_child]

    conditions = [m for m in matches if m.kind == CONDITION]
    # A named condition says more than the generic word of a category ("cancer of the womb" over the
    # "cancer" the NLU tagged inside it), wherever each stands in the text.
    condition_match = next((m for m in conditions if not matcher.is_category(m.id)),
                           conditions[0] if conditions else None)
    service_match = next((m for m in matches if m.kind == SERVICE), None)
    service = snapshot.service(service_match.id) if service_match else None
    common = dict(age=age, relation=cue.relation, service=service)

    if condition_match is None:
        out_of_scope = next((m for m in matches if m.kind == OUT_OF_SCOPE), None)
        if out_of_scope is not None:
            return RoutingResult(
                None, age_group, needs_age_group=False, routes=(), in_scope=False,
                out_of_scope=OutOfScopeRef(out_of_scope.id, out_of_scope.name, out_of_scope.text),
                explanation=(
                    f"A {out_of_scope.name} is outside what this service covers: the hospital pages it knows "
                    "are about cancer care and blood diseases, so it cannot suggest a unit for it."
                ),
                **common,
            )
        if service is not None:
            return _route_by_service(snapshot, service, age_group, common)
        return RoutingResult(
            None, age_group, needs_age_group=False, routes=(), in_scope=False, out_of_scope=None,
            explanation=(
                "No condition was recognised in the text. Name the illness (for example leukemia, "
                "neuroblastoma, melanoma or ovarian cancer) to find the unit that treats it."
            ),
            **common,
        )

    condition = snapshot.condition(condition_match.id)
    implied = snapshot.condition_rows[condition.id].implies_age_group
    if age_group is None and implied is not None:
        age_group = implied

    if age_group is not None:
        routes = _routes_for_condition(snapshot, condition.id, age_group)
        explanation = _condition_explanation(condition, age_group, routes)
        return RoutingResult(condition, age_group, needs_age_group=False, routes=tuple(routes), in_scope=True,
                             out_of_scope=None, explanation=explanation, **common)

    child_routes = _routes_for_condition(snapshot, condition.id, CHILD)
    adult_routes = _routes_for_condition(snapshot, condition.id, ADULT)
    routes, needs_age = _merge_age_groups(child_routes, adult_routes)
    if needs_age and service is not None:
        routes, needs_age = _narrow_by_service(snapshot, routes, service)
    if condition.category == "cancer":
        explanation = (
            f"{_condition_explanation(condition, ADULT, [])} For children and adolescents (under "
            f"{matcher.adult_from_age}), any cancer: {_unit_list(child_routes)}. How old is the patient?"
        )
    elif needs_age:
        explanation = (
            f"Where to go for {condition.name} depends on the patient's age. "
            f"Children and adolescents (under {matcher.adult_from_age}): {_unit_list(child_routes)}. "
            f"Adults: {_unit_list(adult_routes)}. How old is the patient?"
        )
    else:
        explanation = _condition_explanation(condition, None, routes)
    return RoutingResult(condition, None, needs_age_group=needs_age, routes=tuple(routes), in_scope=True,
                         out_of_scope=None, explanation=explanation, **common)


def _routes_for_condition(snapshot: _Snapshot, condition_id: str, age_group: str) -> list[Route]:
    lineage = snapshot.condition_lineage(condition_id)
    specificity = {target: index for index, target in enumerate(lineage)}
    rows = snapshot.session.execute(
        select(TreatmentRow).where(TreatmentRow.age_group.in_([age_group, "any"]))
    ).scalars()
    best_per_unit: dict[str, tuple[int, TreatmentRow]] = {}
    for row in rows:
        target = ("condition", row.condition_id) if row.condition_id else ("category", row.category_id)
        if target not in specificity:
            continue
        rank = specificity[target]
        if row.unit_id not in best_per_unit or rank < best_per_unit[row.unit_id][0]:
            best_per_unit[row.unit_id] = (rank, row)
    if not best_per_unit:
        return []
    best = min(rank for rank, _ in best_per_unit.values())
    chosen = [
        (rank, row) for rank, row in best_per_unit.values()
        # A child's own unit stays in the list even when another unit names the condition more
        # specifically: the pediatric page treats "other childhood cancers" as a whole.
        if rank == best or (age_group == CHILD and row.age_group == CHILD)
    ]
    chosen.sort(key=lambda pair: (pair[0], pair[1].unit_id))
    routes = []
    for _rank, row in chosen:
        unit_row = snapshot.unit_rows[row.unit_id]
        note = row.note or (unit_row.age_group_note if row.age_group != "any" else None)
        routes.append(Route(snapshot.units[row.unit_id], None if row.age_group == "any" else row.age_group,
                            row.reason, note, (snapshot.sources[row.source_id],), row.as_of))
    return routes


def _narrow_by_service(snapshot: _Snapshot, routes: list[Route], service: ServiceRef) -> tuple[list[Route], bool]:
    """Routes for an unknown age, narrowed to the units the pages say offer the service named with the
    condition ("ovarian cancer surgery", "skin cancer ... Mohs surgery"), so that the age need not be
    asked. Not when only the children's routes would be left: the children's unit takes every childhood
    cancer, so a service alone does not make the patient a child."""
    offering_units = {o.unit.id for o in snapshot.offerings(service_ids=snapshot.service_descendants(service.id))}
    narrowed = [r for r in routes if offering_units & ({r.unit.id} | set(snapshot.unit_descendants(r.unit.id)))]
    if not narrowed or all(r.age_group == CHILD for r in narrowed):
        return routes, True
    return narrowed, {CHILD, ADULT} <= {r.age_group for r in narrowed}


def _merge_age_groups(child_routes: list[Route], adult_routes: list[Route]) -> tuple[list[Route], bool]:
    """Routes for an unknown age: shared routes once (age_group None), the rest labelled by group."""
    child_units = [r.unit.id for r in child_routes]
    adult_units = [r.unit.id for r in adult_routes]
    needs_age = set(child_units) != set(adult_units)
    merged: list[Route] = []
    for route in child_routes:
        shared = route.unit.id in adult_units
        merged.append(Route(route.unit, None if shared else CHILD, route.reason, route.note, route.sources, route.as_of))
    for route in adult_routes:
        if route.unit.id not in child_units:
            merged.append(Route(route.unit, ADULT, route.reason, route.note, route.sources, route.as_of))
    return merged, needs_age


def _unit_list(routes: list[Route]) -> str:
    if not routes:
        return "the pages do not name a unit"
    return "; ".join(f"{r.unit.full_name} ({r.unit.hospital_name})" for r in routes)


def _condition_explanation(condition: ConditionRef, age_group: str | None, routes: list[Route]) -> str:
    who = {CHILD: "a child or adolescent", ADULT: "an adult", None: "a patient"}[age_group]
    if routes:
        return f"For {who} with {condition.name}: {_unit_list(routes)}."
    if condition.category == "cancer":
        return (
            "Which kind of cancer is it? The unit depends on the kind: for example a blood cancer such as "
            "leukemia, a solid tumor such as lung cancer, a skin cancer or a gynecologic cancer."
        )
    return f"The hospital pages in this store do not name a unit for {condition.name} in {who}."


def _route_by_service(snapshot: _Snapshot, service: ServiceRef, age_group: str | None, common: dict) -> RoutingResult:
    offerings = snapshot.offerings(service_ids=snapshot.service_descendants(service.id))

    def routes_for(group: str) -> list[Route]:
        per_unit: dict[str, Offering] = {}
        for offering in offerings:
            serves = snapshot.unit_rows[offering.unit.id].serves_age_group
            if serves not in (None, group):
                continue
            # Prefer the statement about the service asked for over one about a kind of it.
            current = per_unit.get(offering.unit.id)
            if current is None or offering.service.id == service.id:
                per_unit[offering.unit.id] = offering
        return [Route(o.unit, snapshot.unit_rows[o.unit.id].serves_age_group, o.text,
                      snapshot.unit_rows[o.unit.id].age_group_note, (o.source,), o.as_of) for o in per_unit.values()]

    if age_group is not None:
        routes = routes_for(age_group)
        needs_age = False
    else:
        routes, needs_age = _merge_age_groups(routes_for(CHILD), routes_for(ADULT))
    if routes:
        explanation = f"For {service.name}: {_unit_list(routes)}."
        if needs_age:
            explanation += " Which unit fits depends on the patient's age: how old is the patient?"
    else:
        explanation = f"The hospital pages in this store do not say where {service.name} is offered."
    return RoutingResult(None, age_group, needs_age_group=needs_age, routes=tuple(routes), in_scope=True,
                         out_of_scope=None, explanation=explanation, **common)


# --------------------------------------------------------------------------------------------------
# Offerings and transplants
# --------------------------------------------------------------------------------------------------


def unit_offerings(session: Session, unit_id: str) -> Offerings:
    """What a unit and the units inside it offer (services and treatments), with sources."""
    snapshot = _Snapshot(session)
    _require(snapshot.units, unit_id, "unit")
    unit = snapshot.units[unit_id]
    items = snapshot.offerings(unit_ids=snapshot.unit_descendants(unit_id))
    return Offerings(snapshot.hospitals[unit.hospital_id], unit, tuple(items))


def hospital_offerings(session: Session, hospital_id: str, include_site_pages: bool = True) -> Offerings:
    """What a hospital's units offer. With `include_site_pages`, also units on pages of the hospital's
    website that do not name a hospital (each offering's unit says which hospital entry it is under)."""
    snapshot = _Snapshot(session)
    _require(snapshot.hospitals, hospital_id, "hospital")
    items = snapshot.offerings(unit_ids=snapshot.hospital_units(hospital_id, include_site_pages))
    return Offerings(snapshot.hospitals[hospital_id], None, tuple(items))


def transplant_kinds(session: Session) -> TransplantOverview:
    """The kinds of hematopoietic stem cell transplant (donor types) and who performs them, plus the
    transplant facts (the count and since when)."""
    snapshot = _Snapshot(session)
    kinds = [s for s in snapshot.service_descendants("hsct") if s != "hsct"]
    by_kind = defaultdict(list)
    for offering in snapshot.offerings(service_ids=kinds):
        by_kind[offering.service.id].append(offering)
    general = snapshot.offerings(service_ids=["hsct"])
    facts = facts_by_topic(session, "transplant")
    return TransplantOverview(
        kinds=tuple(TransplantKind(snapshot.service(k), tuple(by_kind[k])) for k in kinds),
        general=tuple(general),
        facts=tuple(facts),
    )


# --------------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------------


def facts_by_topic(session: Session, topic: str, unit_id: str | None = None, hospital_id: str | None = None) -> list[Fact]:
    """Facts under `topic` (one of `TOPICS`), optionally only about a unit (with its sub-units) or a
    hospital (with pages of its website that do not name a hospital), in content order."""
    if topic not in TOPICS:
        raise ValueError(f"Unknown topic {topic!r}; topics are: {', '.join(TOPICS)}")
    snapshot = _Snapshot(session)
    statement = select(FactRow).where(
        FactRow.id.in_(select(FactTopicRow.fact_id).where(FactTopicRow.topic == topic))
    )
    if unit_id is not None:
        _require(snapshot.units, unit_id, "unit")
        statement = statement.where(FactRow.unit_id.in_(snapshot.unit_descendants(unit_id)))
    if hospital_id is not None:
        _require(snapshot.hospitals, hospital_id, "hospital")
        site_pages = [h.id for h in snapshot.hospital_rows.values() if h.site_owner_id == hospital_id]
        statement = statement.where(
            FactRow.unit_id.in_(snapshot.hospital_units(hospital_id))
            | FactRow.hospital_id.in_([hospital_id, *site_pages])
        )
    return snapshot.facts(statement)


def unit_family(session: Session, unit_ids: Sequence[str]) -> set[str]:
    """The units, every unit inside them and every unit they belong to: the units whose facts speak
    for a patient routed to `unit_ids` (a division's trials speak for its fields, and the reverse)."""
    snapshot = _Snapshot(session)
    family: set[str] = set()
    for unit_id in unit_ids:
        if unit_id not in snapshot.unit_rows:
            continue
        family.update(snapshot.unit_descendants(unit_id))
        parent = snapshot.unit_rows[unit_id].parent_id
        while parent:
            family.add(parent)
            parent = snapshot.unit_rows[parent].parent_id
    return family


def follow_up_care(session: Session, unit_id: str | None = None) -> list[FollowUpStep]:
    """Follow-up care after treatment, step by step (all units, or one unit with its sub-units)."""
    snapshot = _Snapshot(session)
    statement = select(FollowUpStepRow)
    if unit_id is not None:
        _require(snapshot.units, unit_id, "unit")
        statement = statement.where(FollowUpStepRow.unit_id.in_(snapshot.unit_descendants(unit_id)))
    rows = session.execute(statement.order_by(FollowUpStepRow.unit_id, FollowUpStepRow.step)).scalars()
    return [FollowUpStep(snapshot.units[r.unit_id], r.step, r.text, snapshot.sources[r.source_id]) for r in rows]


def partner_departments(session: Session, unit_id: str | None) -> list[PartnerDepartment]:
    """Departments a unit (with its sub-units) works with, and for what; None lists every unit's."""
    snapshot = _Snapshot(session)
    statement = select(PartnerDepartmentRow)
    if unit_id is not None:
        _require(snapshot.units, unit_id, "unit")
        statement = statement.where(PartnerDepartmentRow.unit_id.in_(snapshot.unit_descendants(unit_id)))
    rows = session.execute(statement.order_by(PartnerDepartmentRow.position)).scalars()
    return [PartnerDepartment(snapshot.units[r.unit_id], r.department, r.purpose, snapshot.sources[r.source_id])
            for r in rows]


def contacts(session: Session, hospital_id: str | None = None) -> list[Contact]:
    """Contact lines, all or those shown for a hospital. Read `organization` and `note`: the only
    lines in the pages are KIMA's, shown on the news item about Samsung Medical Center."""
    snapshot = _Snapshot(session)
    statement = select(ContactRow).order_by(ContactRow.id)
    if hospital_id is not None:
        _require(snapshot.hospitals, hospital_id, "hospital")
        statement = statement.where(
            (ContactRow.hospital_id == hospital_id) | (ContactRow.about_hospital_id == hospital_id)
        )
    return [
        Contact(
            r.id, snapshot.organizations.get(r.organization_id) if r.organization_id else None,
            snapshot.hospitals.get(r.hospital_id) if r.hospital_id else None,
            snapshot.hospitals.get(r.about_hospital_id) if r.about_hospital_id else None,
            r.kind, r.value, r.label, r.note, snapshot.sources[r.source_id],
        )
        for r in session.execute(statement).scalars()
    ]


# --------------------------------------------------------------------------------------------------
# Services by place
# --------------------------------------------------------------------------------------------------


def resolve_service(session: Session, service_text_or_id: str) -> ServiceRef | None:
    """A service by id, or the first service the matcher finds in the text; None if neither."""
    snapshot = _Snapshot(session)
    if service_text_or_id in snapshot.service_rows:
        return snapshot.service(service_text_or_id)
    match = next((m for m in get_matcher().find_all(service_text_or_id) if m.kind == SERVICE), None)
    return snapshot.service(match.id) if match else None


def resolve_place(session: Session, place_text_or_id: str) -> HospitalRef | UnitRef | None:
    """A unit or hospital by id, or the first one the matcher finds in the text (units first)."""
    snapshot = _Snapshot(session)
    if place_text_or_id in snapshot.units:
        return snapshot.units[place_text_or_id]
    if place_text_or_id in snapshot.hospitals:
        return snapshot.hospitals[place_text_or_id]
    matches = get_matcher().find(place_text_or_id)
    for kind, table in ((UNIT, snapshot.units), (HOSPITAL, snapshot.hospitals)):
        match = next((m for m in matches if m.kind == kind), None)
        if match is not None:
            return table[match.id]
    return None


def service_availability(session: Session, service_text_or_id: str, hospital_or_unit_text_or_id: str) -> ServiceAvailability:
    """Whether the store says a hospital or unit offers a service (ids or free text for either).

    'offered' comes with the statements and their sources. Without such a statement the status is
    'not_stated' and `offered` is None: the pages do not say, which is not the same as "no".
    """
    snapshot = _Snapshot(session)
    service = resolve_service(session, service_text_or_id)
    place = resolve_place(session, hospital_or_unit_text_or_id)
    hospital = place if isinstance(place, HospitalRef) else (snapshot.hospitals[place.hospital_id] if place else None)
    unit = place if isinstance(place, UnitRef) else None
    empty: tuple = ()
    if service is None:
        return ServiceAvailability(None, hospital, unit, "unknown_service", None, empty, empty, empty, empty,
                                   f"No service was recognised in {service_text_or_id!r}.")
    if place is None:
        return ServiceAvailability(service, None, None, "unknown_place", None, empty, empty,
                                   tuple(snapshot.offerings(service_ids=snapshot.service_descendants(service.id))),
                                   empty, f"No hospital or unit was recognised in {hospital_or_unit_text_or_id!r}.")

    place_units = snapshot.unit_descendants(unit.id) if unit else snapshot.hospital_units(hospital.id)
    wanted = snapshot.service_descendants(service.id)
    offerings = snapshot.offerings(unit_ids=place_units, service_ids=wanted)
    related = snapshot.offerings(unit_ids=place_units, service_ids=snapshot.service_ancestors(service.id))
    elsewhere = [o for o in snapshot.offerings(service_ids=wanted) if o.unit.id not in place_units]
    fact_ids = [fid for fid, services in snapshot.fact_services.items() if services & set(wanted)]
    facts = snapshot.facts(select(FactRow).where(FactRow.id.in_(fact_ids), FactRow.unit_id.in_(place_units)))
    place_name = unit.full_name + f" ({unit.hospital_name})" if unit else hospital.name

    if offerings:
        statements = [f"{o.unit.full_name} ({o.unit.hospital_name}): {o.text}" for o in offerings]
        explanation = f"Yes, the pages say so for {place_name}. " + " ".join(dict.fromkeys(statements))
        notes = {snapshot.hospitals[o.unit.hospital_id].note for o in offerings if o.unit.hospital_id != hospital.id}
        explanation += "".join(f" ({note})" for note in sorted(n for n in notes if n))
        return ServiceAvailability(service, hospital, unit, "offered", True, tuple(offerings), tuple(related),
                                   tuple(elsewhere), tuple(facts), explanation)
    explanation = f"The pages in this store do not say whether {place_name} offers {service.name}."
    if related:
        explanation += " They do say: " + " ".join(dict.fromkeys(o.text for o in related))
    if elsewhere:
        explanation += " The pages mention it at: " + "; ".join(
            dict.fromkeys(f"{o.unit.full_name} ({o.unit.hospital_name})" for o in elsewhere)) + "."
    return ServiceAvailability(service, hospital, unit, "not_stated", None, (), tuple(related), tuple(elsewhere),
                               tuple(facts), explanation)


# --------------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------------

# Words that point at a topic without naming a service or condition ("phone", "school", "since").
_TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "contact": ("phone", "call", "number", "contact", "telephone"),
    "pediatric_support": ("school", "aid", "shelter", "stay", "money", "cost", "financial"),
    "follow_up": ("checkup", "follow", "relapse", "after"),
    "certification": ("certification", "certified", "esgo", "award"),
    "volumes": ("how", "many", "number", "figure", "year"),
    "about": ("founded", "established", "history", "first"),
    "research": ("research", "study", "studies"),
    "partner_departments": ("department", "departments", "collaborate", "partner"),
}
_RELATIVE_SCORE_FLOOR = 0.35


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    """Content words of a text, normalised like the matcher's (cached: fact texts recur on every search)."""
    return frozenset(w for w in get_matcher().normalised_words(text) if len(w) > 2 and w not in _STOP)


_STOP = {"the", "and", "for", "with", "does", "what", "which", "who", "are", "has", "have", "can", "you", "your",
         "our", "their", "there", "this", "that", "from", "about", "into", "any", "how", "was", "were", "will",
         "his", "her", "she", "him", "they", "them", "its", "not", "but", "all", "out", "get", "tell", "know",
         "want", "need", "please", "hospital", "center", "patient"}


def search(session: Session, text: str, limit: int = 5) -> list[Fact]:
    """The facts that best answer free text, best first, at most `limit`.

    Scores come from what the matcher recognises (a fact linked to the service, condition, unit or
    hospital named scores high; its broader and narrower kinds less) plus word overlap with the
    fact and its source sentence, weighted by rarity. No internet, no model.
    """
    if limit <= 0 or not (text or "").strip():
        return []
    snapshot = _Snapshot(session)
    matches = get_matcher().find_all(text)
    service_exact, service_near = set(), set()
    for m in (m for m in matches if m.kind == SERVICE):
        service_exact.add(m.id)
        service_near.update(snapshot.service_descendants(m.id))
        service_near.update(snapshot.service_ancestors(m.id))
    condition_exact, condition_near = set(), set()
    for m in (m for m in matches if m.kind == CONDITION):
        lineage = snapshot.condition_lineage(m.id)
        condition_exact.add(m.id)
        condition_near.update(cid for kind, cid in lineage if kind == "condition")
        # A category's generic condition shares its id ("blood_cancer"), so facts about the category match.
        condition_near.update(cid for kind, cid in lineage if kind == "category" and cid != "cancer")
    units = set()
    for m in (m for m in matches if m.kind == UNIT):
        units.update(snapshot.unit_descendants(m.id))
    hospitals = {m.id for m in matches if m.kind == HOSPITAL}
    for hospital_id in list(hospitals):
        units.update(snapshot.hospital_units(hospital_id))
    organizations = {m.id for m in matches if m.kind == ORGANIZATION}

    # Words inside an age or relation cue ("my 5 year old son") say who the patient is, not what
    # they ask about; "year" would otherwise pull in every yearly figure.
    cue_spans = [(m.start, m.end) for m in matches if m.kind in (AGE, RELATION)]
    topical_text = "".join(" " if any(a <= i < b for a, b in cue_spans) else ch for i, ch in enumerate(text))
    query_words = _words(topical_text)
    facts = snapshot.facts()
    documents = {f.id: _words(f"{f.text} {f.source.sentence}") for f in facts}
    frequency: dict[str, int] = defaultdict(int)
    for words in documents.values():
        for word in words:
            frequency[word] += 1
    total = len(facts)

    scored: list[tuple[float, int, Fact]] = []
    for position, fact in enumerate(facts):
        score = 0.0
        linked_services = snapshot.fact_services.get(fact.id, set())
        linked_conditions = snapshot.fact_conditions.get(fact.id, set())
        score += 4 * len(linked_services & service_exact) + 1.5 * len((linked_services & service_near) - service_exact)
        score += 4 * len(linked_conditions & condition_exact) + 1.5 * len(
            (linked_conditions & condition_near) - condition_exact)
        if fact.unit and fact.unit.id in units:
            score += 3
        if fact.organization and fact.organization.id in organizations:
            score += 3
        for topic in fact.topics:
            if query_words & set(_TOPIC_KEYWORDS.get(topic, ())) or topic in query_words:
                score += 1.5
        overlap = query_words & documents[fact.id]
        score += sum(math.log(1 + total / frequency[w]) for w in overlap)
        if score > 0 and (overlap or linked_services & service_near or linked_conditions & condition_near
                          or (fact.unit and fact.unit.id in units) or fact.organization and fact.organization.id in organizations):
            scored.append((score, position, fact))
    scored.sort(key=lambda item: (-item[0], item[1]))
    if not scored:
        return []
    # Far weaker matches than the best one are noise (a shared word like "care"), not answers.
    floor = scored[0][0] * _RELATIVE_SCORE_FLOOR
    return [fact for score, _position, fact in scored if score >= floor][:limit]


# --------------------------------------------------------------------------------------------------
# Listings
# --------------------------------------------------------------------------------------------------


def list_hospitals(session: Session) -> list[HospitalRef]:
    """Every hospital entry, in id order."""
    return sorted(_Snapshot(session).hospitals.values(), key=lambda h: h.id)


def list_units(session: Session, hospital_id: str | None = None) -> list[UnitRef]:
    """Every unit (or a hospital's, with its website's unnamed pages), ordered by hospital and full name."""
    snapshot = _Snapshot(session)
    ids = list(snapshot.units)
    if hospital_id is not None:
        _require(snapshot.hospitals, hospital_id, "hospital")
        ids = snapshot.hospital_units(hospital_id)
    return sorted((snapshot.units[i] for i in ids), key=lambda u: (u.hospital_id, u.full_name))


def store_counts(session: Session) -> dict[str, int]:
    """How much the store holds: hospitals, units, conditions, services, facts, sources and more."""
    def count(model) -> int:
        return session.execute(select(func.count()).select_from(model)).scalar_one()

    return {
        "hospitals": count(HospitalRow), "organizations": count(OrganizationRow), "units": count(UnitRow),
        "conditions": count(ConditionRow), "categories": count(CategoryRow), "services": count(ServiceRow),
        "treatments": count(TreatmentRow), "offerings": count(OfferingRow),
        "partner_departments": count(PartnerDepartmentRow), "facts": count(FactRow),
        "follow_up_steps": count(FollowUpStepRow), "contacts": count(ContactRow), "sources": count(SourceRow),
    }
