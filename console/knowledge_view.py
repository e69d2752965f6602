"""The recommended unit as the knowledge store describes it: what it offers and the facts about it,
each with the source file and the verbatim sentence behind it.

The knowledge store (`knowledge.queries`) is optional for the console: when it cannot be imported, is
not built in this database, does not know the unit id (the knowledge tables are rebuilt, ids may
change) or a query fails, the inquiry page shows the unit id and says why. Queries run on their own
session, so a failure never disturbs the page's database session.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass
class SourcedItem:
    heading: str | None
    text: str
    source_file: str | None
    source_sentence: str | None


@dataclass
class UnitView:
    unit_id: str
    name: str | None = None
    hospital: str | None = None
    offerings: list[SourcedItem] = field(default_factory=list)
    facts: list[SourcedItem] = field(default_factory=list)
    unavailable: str | None = None  # why the page shows no more than the id


@dataclass
class RoutingCheck:
    """Where the chat's routing sends the inquiry's condition at the patient's age (knowledge.routing, the
    same rules as the chat and `python -m knowledge ask`), beside the unit the inquiry recommends."""

    condition: str
    age: int | None
    units: list[tuple[str, str]]  # (unit id, "full name (hospital)")
    needs_age: bool
    agrees: bool  # the recommended unit is one of the routed units (or an ancestor of one)


def routing_check(engine: Engine, condition_id: str | None, age: int | None,
                  recommended_unit_id: str | None) -> RoutingCheck | None:
    """The routing of the inquiry's condition, or None when there is no condition, no knowledge store,
    the condition is unknown to it, or the routing fails (the page shows without it)."""
    if not condition_id:
        return None
    try:
        from knowledge.database import store_is_built  # noqa: PLC0415 - optional part of the project
        from knowledge.routing import route_patient  # noqa: PLC0415
        from knowledge.snapshot import StoreSnapshot  # noqa: PLC0415

        if not store_is_built(engine):
            return None
        with Session(engine, future=True) as session:
            snapshot = StoreSnapshot(session)
            if condition_id not in snapshot.condition_rows:
                return None
            result = route_patient(session, "", age=age, condition_id=condition_id)
            units = [(r.unit.id, f"{r.unit.full_name} ({r.unit.hospital_name})") for r in result.routes]
            family = {u for unit_id, _ in units for u in [unit_id, *snapshot.unit_family(unit_id)]}
            return RoutingCheck(snapshot.condition_rows[condition_id].name, age, units, result.needs_age_group,
                                recommended_unit_id in family)
    except Exception as error:  # noqa: BLE001 - the inquiry page must show even when this fails
        log.warning("routing check for condition %s failed: %r", condition_id, error)
        return None


def _source(item: Any) -> tuple[str | None, str | None]:
    source = getattr(item, "source", None)
    return getattr(source, "file", None), getattr(source, "sentence", None)


def unit_view(engine: Engine, unit_id: str | None) -> UnitView | None:
    """What the knowledge store says about `unit_id` (None when the inquiry has no recommended unit)."""
    if not unit_id:
        return None
    view = UnitView(unit_id=unit_id)
    try:
        from knowledge import queries  # noqa: PLC0415 - optional part of the project
        from knowledge.database import store_is_built  # noqa: PLC0415
    except Exception as error:  # noqa: BLE001 - any import failure means "no knowledge store here"
        view.unavailable = f"The knowledge store is not available to the console ({error.__class__.__name__})."
        return view
    try:
        if not store_is_built(engine):
            view.unavailable = "The knowledge store is not built in this database (python -m knowledge build)."
            return view
        with Session(engine, future=True) as session:
            _fill(session, queries, view)
    except Exception as error:  # noqa: BLE001 - the inquiry page must show even when this fails
        if error.__class__.__name__ == "NotFoundError":
            view.unavailable = "The knowledge store has no unit with this id (it may have been renamed)."
        else:
            log.warning("knowledge store query for unit %s failed: %r", unit_id, error)
            view.unavailable = f"The knowledge store could not describe this unit ({error.__class__.__name__})."
        view.offerings, view.facts = [], []
    return view


def _fill(session: Session, queries: Any, view: UnitView) -> None:
    offerings = queries.unit_offerings(session, view.unit_id)
    unit = offerings.unit
    view.name = getattr(unit, "full_name", None) or getattr(unit, "name", None)
    view.hospital = getattr(offerings.hospital, "name", None) or getattr(unit, "hospital_name", None)
    for offering in offerings.items:
        file, sentence = _source(offering)
        service = getattr(getattr(offering, "service", None), "name", None)
        view.offerings.append(SourcedItem(service, offering.text, file, sentence))
    seen: set[str] = set()
    for topic in getattr(queries, "TOPICS", ()):
        for fact in queries.facts_by_topic(session, topic, unit_id=view.unit_id):
            if fact.id in seen:
                continue
            seen.add(fact.id)
            file, sentence = _source(fact)
            view.facts.append(SourcedItem(fact.topic.replace("_", " "), fact.text, file, sentence))
    if not view.offerings and not view.facts:
        view.unavailable = "The knowledge store has no offerings or facts for this unit."
