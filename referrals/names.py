"""The names people read for the ids an inquiry stores: units and conditions, from the knowledge store.

An inquiry keeps the knowledge store's ids (`snuh_hmo_hematology`, `acute_myeloid_leukemia`), which the
console, the emails and the CSV turn into names here. The knowledge store is optional for this package:
when it cannot be imported, is not built in the database, or does not know an id (it was rebuilt and
an id changed), the id itself is shown, so nothing is hidden. Queries run on their own session, so a
failure never disturbs the caller's; the names are kept for a minute, as the store changes only when
it is rebuilt.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
KEEP_SECONDS = 60
KEEP_EMPTY_SECONDS = 5  # an unbuilt store is asked again soon: it may be built any moment


@dataclass(frozen=True)
class UnitName:
    """A unit as people call it: `name` alone ("Hematology"), `label` with its hospital for lists
    ("Hematology · SNUH") and `full` for the inquiry page and emails."""

    id: str
    name: str
    label: str
    full: str


@dataclass
class Names:
    """The units and conditions of the knowledge store, by id (empty when the store is unavailable)."""

    units: dict[str, UnitName] = field(default_factory=dict)
    conditions: dict[str, str] = field(default_factory=dict)
    engine: Engine | None = None

    def unit(self, unit_id: str | None) -> str:
        """The unit's short label, or its id when the store does not know it ('' for None)."""
        if not unit_id:
            return ""
        known = self.units.get(unit_id)
        return known.label if known else unit_id

    def unit_full(self, unit_id: str | None) -> str:
        if not unit_id:
            return ""
        known = self.units.get(unit_id)
        return known.full if known else unit_id

    def condition(self, condition_id: str | None) -> str:
        """The condition's name, or its id when the store does not know it ('' for None)."""
        if not condition_id:
            return ""
        if condition_id not in self.conditions and self.engine is not None:
            self.conditions[condition_id] = _condition_name(self.engine, condition_id) or condition_id
        return self.conditions.get(condition_id, condition_id)


_cache: dict[str, tuple[float, Names]] = {}
_lock = threading.Lock()


def names(engine: Engine) -> Names:
    """The names for the database of `engine` (looked up at most once a minute)."""
    key = str(engine.url)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < (KEEP_SECONDS if cached[1].units
                                                                  else KEEP_EMPTY_SECONDS):
            return cached[1]
    found = Names(units=_unit_names(engine), engine=engine)
    with _lock:
        _cache[key] = (time.monotonic(), found)
    return found


def forget() -> None:
    """Drop the kept names (after a rebuild of the knowledge store, and in tests)."""
    with _lock:
        _cache.clear()


def _queries():  # noqa: ANN202
    try:
        from knowledge import queries  # noqa: PLC0415 - optional part of the project
        from knowledge.database import store_is_built  # noqa: PLC0415
    except Exception:  # noqa: BLE001 - any import failure means "no knowledge store here"
        return None, None
    return queries, store_is_built


def _unit_names(engine: Engine) -> dict[str, UnitName]:
    queries, store_is_built = _queries()
    if queries is None:
        return {}
    try:
        if not store_is_built(engine):
            return {}
        with Session(engine, future=True) as session:
            hospitals = {h.id: h.short_name or h.name for h in queries.list_hospitals(session)}
            units = queries.list_units(session)
    except Exception as error:  # noqa: BLE001 - ids are shown instead
        log.warning("unit names unavailable: %s", type(error).__name__)
        return {}
    return {unit.id: UnitName(
        id=unit.id, name=unit.name,
        label=f"{unit.name} · {hospitals.get(unit.hospital_id, unit.hospital_name)}",
        full=f"{unit.full_name}, {unit.hospital_name}") for unit in units}


def _condition_name(engine: Engine, condition_id: str) -> str | None:
    """The store's name of a condition: the store has no list of conditions in its public queries, so
    the id's words are routed and the recognised condition kept only when its id is the same."""
    queries, store_is_built = _queries()
    if queries is None:
        return None
    try:
        if not store_is_built(engine):
            return None
        with Session(engine, future=True) as session:
            condition = queries.route_patient(session, condition_id.replace("_", " ")).condition
    except Exception as error:  # noqa: BLE001 - the id is shown instead
        log.warning("condition name unavailable: %s", type(error).__name__)
        return None
    return condition.name if condition is not None and condition.id == condition_id else None
