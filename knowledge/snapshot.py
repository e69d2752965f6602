"""The knowledge store's rows for a request, read once per build of the store.

The store changes only when `python -m knowledge build` rewrites it, and every build writes a new build
id (`kb_build`). A request reads that id (one small query) and uses the whole-table rows kept in this
process for that build, reading each table once on first use; a new build id drops them. The rows are
kept as plain values (never ORM objects bound to a closed session). A store built before build ids
existed is read afresh on every request. Filtered reads (a unit's facts, a service's offerings) still
query the database.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from functools import cached_property
from types import SimpleNamespace
from typing import Iterable

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge.models import (
    BuildRow,
    CategoryRow,
    ConditionRow,
    FactConditionRow,
    FactRow,
    FactServiceRow,
    FactTopicRow,
    FactTranslationRow,
    HospitalRow,
    OfferingRow,
    OrganizationRow,
    ServiceRow,
    SourceRow,
    TreatmentRow,
    UnitRow,
)
from knowledge.results import (
    ConditionRef,
    Fact,
    FactTranslation,
    HospitalRef,
    NotFoundError,
    Offering,
    OrganizationRef,
    ServiceRef,
    Source,
    UnitRef,
)
from knowledge.topics import TOPICS




# database URL -> (build id, the whole-table rows read so far for that build, by model)
_KEPT: dict[str, tuple[str, dict[type, list]]] = {}
_KEPT_LOCK = threading.Lock()


def _build_id(session: Session) -> str | None:
    """The id of the build that wrote the store, or None for a store without one."""
    try:
        return session.execute(select(BuildRow.id)).scalars().first()
    except SQLAlchemyError:
        session.rollback()  # PostgreSQL refuses the rest of an aborted transaction
        return None


def _plain(row) -> SimpleNamespace:
    """A row's column values, free of the session that read it."""
    return SimpleNamespace(**{column.key: getattr(row, column.key) for column in inspect(row).mapper.column_attrs})


def forget_kept_rows() -> None:
    """Drop every kept row (tests that rewrite a store in place without a build)."""
    with _KEPT_LOCK:
        _KEPT.clear()


class StoreSnapshot:
    """The store's rows for one session, read lazily (kept per build), and the relations between them."""

    def __init__(self, session: Session):
        self.session = session
        build = _build_id(session)
        if build is None:
            self._tables: dict[type, list] = {}
            return
        url = str(session.get_bind().url)
        with _KEPT_LOCK:
            kept = _KEPT.get(url)
            if kept is None or kept[0] != build:
                kept = _KEPT[url] = (build, {})
        self._tables = kept[1]

    def _all(self, model) -> list:
        rows = self._tables.get(model)
        if rows is None:
            rows = [_plain(row) for row in self.session.execute(select(model)).scalars()]
            with _KEPT_LOCK:
                rows = self._tables.setdefault(model, rows)
        return rows

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
    def treatment_rows(self) -> list[TreatmentRow]:
        """Which unit treats which condition or category for which age group (the routing rules)."""
        return self._all(TreatmentRow)

    @cached_property
    def treated_condition_ids(self) -> frozenset[str]:
        """Conditions a unit is named for by a treatment row (not only by their category)."""
        return frozenset(row.condition_id for row in self.treatment_rows if row.condition_id)

    @cached_property
    def service_rows(self) -> dict[str, ServiceRow]:
        return {row.id: row for row in sorted(self._all(ServiceRow), key=lambda row: row.position)}

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

    def unit_family(self, unit_id: str) -> list[str]:
        """The unit, every unit inside it and every unit it belongs to: the units whose facts speak for it
        (a division's trials speak for its fields, and the reverse)."""
        family = self.unit_descendants(unit_id)
        parent = self.unit_rows[unit_id].parent_id
        while parent:
            family.append(parent)
            parent = self.unit_rows[parent].parent_id
        return family

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

    def condition_lineage(self, condition_id: str, woman: bool = False) -> list[tuple[str, str]]:
        """What a condition belongs to, most specific first: the condition, its parent conditions,
        then their categories and broader categories, as ('condition'|'category', id) pairs. For a
        woman or girl (`woman`), a category routed otherwise in women continues with that category."""
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
                row = self.categories[category]
                category = (woman and row.in_women_id) or row.broader_id
        return [("condition", c) for c in conditions] + [("category", c) for c in categories]

    def depends_on_sex(self, condition_id: str) -> bool:
        """Whether the condition is routed otherwise in a woman (its lineage holds an `in_women` category)."""
        return any(kind == "category" and self.categories[cid].in_women_id
                   for kind, cid in self.condition_lineage(condition_id))

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

    @cached_property
    def fact_translations(self) -> dict[str, tuple[FactTranslation, ...]]:
        """Each fact's translations, in language order; none from a store built before they existed."""
        try:
            rows = self._all(FactTranslationRow)
        except SQLAlchemyError:
            self.session.rollback()  # no such table yet: the facts are said in English until the next build
            return {}
        found: dict[str, list[FactTranslation]] = defaultdict(list)
        for row in sorted(rows, key=lambda row: (row.fact_id, row.language)):
            found[row.fact_id].append(FactTranslation(row.language, row.text, bool(row.reviewed_by_native_speaker)))
        return {fact_id: tuple(translations) for fact_id, translations in found.items()}

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
            source=self.sources[row.source_id], translations=self.fact_translations.get(row.id, ()),
        )

    def facts(self, statement=None) -> list[Fact]:
        statement = statement if statement is not None else select(FactRow)
        _ = self.fact_translations  # read before the facts: a store without the table rolls its read back
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


def require(table: dict, key: str, what: str) -> None:
    """Raise `NotFoundError` naming the id when `key` is not in `table`."""
    if key not in table:
        raise NotFoundError(f"No {what} with id {key!r} in the knowledge store.")

