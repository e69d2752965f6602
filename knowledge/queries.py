"""The query API the Rasa actions, the console and the command line call.

Every function takes a SQLAlchemy `Session` first and returns the plain frozen dataclasses of
`knowledge.results`, so callers can render the answer after the session is closed. Routing lives in
`knowledge.routing` and is part of this API.

Every answer about a hospital carries its `Source` (seed file name + the sentence, verbatim). When
the store has no statement, answers say the pages do not say so; they never turn silence into "no".
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.answering import rank_answers
from knowledge.matcher import HOSPITAL, SERVICE, UNIT, get_matcher
from knowledge.models import (
    CategoryRow,
    ConditionRow,
    ContactRow,
    FactRow,
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
from knowledge.results import (
    ConditionRef,
    Contact,
    Fact,
    FactTranslation,
    FollowUpStep,
    HospitalRef,
    NotFoundError,
    Offering,
    Offerings,
    OrganizationRef,
    OutOfScopeRef,
    PartnerDepartment,
    Route,
    RoutingResult,
    Sentence,
    ServiceAvailability,
    ServiceRef,
    Source,
    TransplantKind,
    TransplantOverview,
    UnitRef,
    sentence,
)
from knowledge.routing import route_patient
from knowledge.snapshot import StoreSnapshot, require
from knowledge.topics import TOPIC_DESCRIPTIONS, TOPICS

__all__ = [
    "TOPICS", "TOPIC_DESCRIPTIONS", "NotFoundError",
    "Source", "HospitalRef", "OrganizationRef", "UnitRef", "ConditionRef", "ServiceRef", "OutOfScopeRef",
    "Fact", "FactTranslation", "Route", "RoutingResult", "Offering", "Offerings", "TransplantKind", "TransplantOverview",
    "PartnerDepartment", "FollowUpStep", "Contact", "ServiceAvailability", "Sentence",
    "route_patient", "unit_offerings", "hospital_offerings", "transplant_kinds", "facts_by_topic",
    "follow_up_care", "partner_departments", "contacts", "service_availability", "search",
    "list_hospitals", "list_units", "resolve_service", "resolve_place", "store_counts", "unit_family",
    "condition_named",
]


# --------------------------------------------------------------------------------------------------
# Offerings and transplants
# --------------------------------------------------------------------------------------------------


def unit_offerings(session: Session, unit_id: str) -> Offerings:
    """What a unit and the units inside it offer (services and treatments), with sources."""
    snapshot = StoreSnapshot(session)
    require(snapshot.units, unit_id, "unit")
    unit = snapshot.units[unit_id]
    items = snapshot.offerings(unit_ids=snapshot.unit_descendants(unit_id))
    return Offerings(snapshot.hospitals[unit.hospital_id], unit, tuple(items))


def hospital_offerings(session: Session, hospital_id: str, include_site_pages: bool = True) -> Offerings:
    """What a hospital's units offer. With `include_site_pages`, also units on pages of the hospital's
    website that do not name a hospital (each offering's unit says which hospital entry it is under)."""
    snapshot = StoreSnapshot(session)
    require(snapshot.hospitals, hospital_id, "hospital")
    items = snapshot.offerings(unit_ids=snapshot.hospital_units(hospital_id, include_site_pages))
    return Offerings(snapshot.hospitals[hospital_id], None, tuple(items))


def transplant_kinds(session: Session) -> TransplantOverview:
    """The kinds of hematopoietic stem cell transplant (donor types) and who performs them, plus the
    transplant facts (the count and since when)."""
    snapshot = StoreSnapshot(session)
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


def facts_by_topic(session: Session, topic: str | None, unit_id: str | None = None,
                   hospital_id: str | None = None) -> list[Fact]:
    """Facts under `topic` (one of `TOPICS`; None: every topic), optionally only about a unit (with its
    sub-units) or a hospital (with pages of its website that do not name a hospital), in content order."""
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"Unknown topic {topic!r}; topics are: {', '.join(TOPICS)}")
    snapshot = StoreSnapshot(session)
    statement = select(FactRow)
    if topic is not None:
        statement = statement.where(FactRow.id.in_(select(FactTopicRow.fact_id).where(FactTopicRow.topic == topic)))
    if unit_id is not None:
        require(snapshot.units, unit_id, "unit")
        statement = statement.where(FactRow.unit_id.in_(snapshot.unit_descendants(unit_id)))
    if hospital_id is not None:
        require(snapshot.hospitals, hospital_id, "hospital")
        site_pages = [h.id for h in snapshot.hospital_rows.values() if h.site_owner_id == hospital_id]
        statement = statement.where(
            FactRow.unit_id.in_(snapshot.hospital_units(hospital_id))
            | FactRow.hospital_id.in_([hospital_id, *site_pages])
        )
    return snapshot.facts(statement)


def unit_family(session: Session, unit_ids: Sequence[str]) -> set[str]:
    """The units, every unit inside them and every unit they belong to: the units whose facts speak
    for a patient routed to `unit_ids` (a division's trials speak for its fields, and the reverse)."""
    snapshot = StoreSnapshot(session)
    return {family for unit_id in unit_ids if unit_id in snapshot.unit_rows for family in snapshot.unit_family(unit_id)}


def follow_up_care(session: Session, unit_id: str | None = None) -> list[FollowUpStep]:
    """Follow-up care after treatment, step by step (all units, or one unit with its sub-units)."""
    snapshot = StoreSnapshot(session)
    statement = select(FollowUpStepRow)
    if unit_id is not None:
        require(snapshot.units, unit_id, "unit")
        statement = statement.where(FollowUpStepRow.unit_id.in_(snapshot.unit_descendants(unit_id)))
    rows = session.execute(statement.order_by(FollowUpStepRow.unit_id, FollowUpStepRow.step)).scalars()
    return [FollowUpStep(snapshot.units[r.unit_id], r.step, r.text, snapshot.sources[r.source_id]) for r in rows]


def partner_departments(session: Session, unit_id: str | None) -> list[PartnerDepartment]:
    """Departments a unit (with its sub-units) works with, and for what; None lists every unit's."""
    snapshot = StoreSnapshot(session)
    statement = select(PartnerDepartmentRow)
    if unit_id is not None:
        require(snapshot.units, unit_id, "unit")
        statement = statement.where(PartnerDepartmentRow.unit_id.in_(snapshot.unit_descendants(unit_id)))
    rows = session.execute(statement.order_by(PartnerDepartmentRow.position)).scalars()
    return [PartnerDepartment(snapshot.units[r.unit_id], r.department, r.purpose, snapshot.sources[r.source_id])
            for r in rows]


def contacts(session: Session, hospital_id: str | None = None) -> list[Contact]:
    """Contact lines, all or those shown for a hospital. Read `organization` and `note`: the only
    lines in the pages are KIMA's, shown on the news item about Samsung Medical Center."""
    snapshot = StoreSnapshot(session)
    statement = select(ContactRow).order_by(ContactRow.id)
    if hospital_id is not None:
        require(snapshot.hospitals, hospital_id, "hospital")
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


def condition_named(session: Session, condition_id: str | None) -> ConditionRef | None:
    """The condition with this id, or None when the store has none."""
    snapshot = StoreSnapshot(session)
    return snapshot.condition(condition_id) if condition_id in snapshot.condition_rows else None


def resolve_service(session: Session, service_text_or_id: str) -> ServiceRef | None:
    """A service by id, or the first service the matcher finds in the text; None if neither."""
    snapshot = StoreSnapshot(session)
    if service_text_or_id in snapshot.service_rows:
        return snapshot.service(service_text_or_id)
    match = next((m for m in get_matcher().find_all(service_text_or_id) if m.kind == SERVICE), None)
    return snapshot.service(match.id) if match else None


def resolve_place(session: Session, place_text_or_id: str) -> HospitalRef | UnitRef | None:
    """A unit or hospital by id, or the first one the matcher finds in the text (units first)."""
    snapshot = StoreSnapshot(session)
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
    snapshot = StoreSnapshot(session)
    service = resolve_service(session, service_text_or_id)
    place = resolve_place(session, hospital_or_unit_text_or_id)
    hospital = place if isinstance(place, HospitalRef) else (snapshot.hospitals[place.hospital_id] if place else None)
    unit = place if isinstance(place, UnitRef) else None
    empty: tuple = ()
    if service is None:
        return ServiceAvailability(None, hospital, unit, "unknown_service", None, empty, empty, empty, empty,
                                   (sentence("availability.why.unknown_service", text=service_text_or_id),))
    if place is None:
        return ServiceAvailability(service, None, None, "unknown_place", None, empty, empty,
                                   tuple(snapshot.offerings(service_ids=snapshot.service_descendants(service.id))),
                                   empty, (sentence("availability.why.unknown_place", text=hospital_or_unit_text_or_id),))

    place_units = snapshot.unit_descendants(unit.id) if unit else snapshot.hospital_units(hospital.id)
    wanted = snapshot.service_descendants(service.id)
    offerings = snapshot.offerings(unit_ids=place_units, service_ids=wanted)
    related = snapshot.offerings(unit_ids=place_units, service_ids=snapshot.service_ancestors(service.id))
    elsewhere = [o for o in snapshot.offerings(service_ids=wanted) if o.unit.id not in place_units]
    fact_ids = [fid for fid, services in snapshot.fact_services.items() if services & set(wanted)]
    facts = snapshot.facts(select(FactRow).where(FactRow.id.in_(fact_ids), FactRow.unit_id.in_(place_units)))
    place_ref = unit or hospital  # a unit is named with its hospital

    if offerings:
        statements = [sentence("availability.why.statement", unit=o.unit, text=o.text) for o in offerings]
        notes = {snapshot.hospitals[o.unit.hospital_id].note for o in offerings if o.unit.hospital_id != hospital.id}
        explanation = (sentence("availability.why.offered", place=place_ref), *dict.fromkeys(statements),
                       *(sentence("availability.why.site_note", note=note) for note in sorted(n for n in notes if n)))
        return ServiceAvailability(service, hospital, unit, "offered", True, tuple(offerings), tuple(related),
                                   tuple(elsewhere), tuple(facts), explanation)
    explanation = (sentence("availability.why.not_stated", place=place_ref, service=service.name),)
    if related:
        explanation += (sentence("availability.why.they_do_say",
                                 statements=tuple(dict.fromkeys(o.text for o in related))),)
    if elsewhere:
        explanation += (sentence("availability.why.offered_elsewhere",
                                 places=tuple(dict.fromkeys(o.unit for o in elsewhere))),)
    return ServiceAvailability(service, hospital, unit, "not_stated", None, (), tuple(related), tuple(elsewhere),
                               tuple(facts), explanation)


# --------------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------------

def search(session: Session, text: str, limit: int = 5) -> list[Fact]:
    """The facts that best answer free text, best first, at most `limit`: the answer and the facts closely
    related to it, ranked by `knowledge.answering` (nothing when no fact answers it). No internet, no model."""
    if limit <= 0 or not (text or "").strip():
        return []
    return rank_answers(session, text, facts_by_topic(session, None)).top(limit)


# --------------------------------------------------------------------------------------------------
# Listings
# --------------------------------------------------------------------------------------------------


def list_hospitals(session: Session) -> list[HospitalRef]:
    """Every hospital entry, in id order."""
    return sorted(StoreSnapshot(session).hospitals.values(), key=lambda h: h.id)


def list_units(session: Session, hospital_id: str | None = None) -> list[UnitRef]:
    """Every unit (or a hospital's, with its website's unnamed pages), ordered by hospital and full name."""
    snapshot = StoreSnapshot(session)
    ids = list(snapshot.units)
    if hospital_id is not None:
        require(snapshot.hospitals, hospital_id, "hospital")
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
