"""`python -m knowledge build`: create or refresh the knowledge tables from the curated content.

The build first parses and validates everything in memory (`knowledge.catalog.load_catalog`); bad
content raises `ContentError` before the database is touched. It then replaces all `kb_` rows (and
the `kb_` tables themselves when their columns changed) in ONE transaction, so a failure leaves the
previous store exactly as it was, and running it twice gives the same rows (ids come from the
content, not from sequences).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine, make_url

from knowledge.catalog import CONTENT_DIR, VOCABULARY_DIR, Catalog, Citation, ContentError, load_catalog
from knowledge.models import KNOWLEDGE_METADATA, TABLES_IN_DEPENDENCY_ORDER
from knowledge.seeds import SOURCES_DIR
from settings import load_settings
from settings.database import make_engine

__all__ = ["BuildReport", "ContentError", "build", "catalog_rows", "source_id"]


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote: the database (password hidden) and the row count of every `kb_` table."""

    database: str
    counts: dict[str, int]


def source_id(citation: Citation) -> str:
    """A stable id for a cited sentence, the same on every build and backend."""
    digest = hashlib.sha1(f"{citation.file}\x00{citation.sentence}".encode("utf-8")).hexdigest()
    return digest[:16]


def _by_depth(rows: Iterable[Any], parent_of: Callable[[Any], str | None], table: dict[str, Any]) -> list[Any]:
    """Rows ordered parents first, so self-referencing foreign keys hold at every insert."""

    def depth(row: Any) -> int:
        steps, current = 0, parent_of(row)
        while current is not None:
            steps, current = steps + 1, parent_of(table[current])
        return steps

    return sorted(rows, key=lambda row: (depth(row), row.id))


def _condition_rows(catalog: Catalog, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Curated conditions and the terminology's, with their names and the ontology ids they stand for."""
    about = catalog.terminology
    if about:
        rows["kb_terminologies"].append({"id": "disease_ontology", "source": about.get("source", ""),
                                         "release": about.get("release", ""), "license": about.get("license", ""),
                                         "generated_by": about.get("generated_by", "")})
    conditions = catalog.all_conditions()
    for condition in _by_depth(conditions.values(), lambda c: c.parent, conditions):
        curated = condition.id in catalog.conditions
        rows["kb_conditions"].append({"id": condition.id, "name": condition.name, "category_id": condition.category,
                                      "parent_id": condition.parent,
                                      "implies_age_group": condition.implies_age_group,
                                      "origin": "curated" if curated else "ontology",
                                      "ontology_path": " > ".join(condition.ontology_path) or None})
        terms = condition.terms + catalog.ontology_aliases.get(condition.id, ())
        seen: set[str] = set()
        for t in terms:
            # the alias is the row's key: one spelling once, whatever its case
            if t.kind == "name" or t.text in seen:
                continue
            seen.add(t.text)
            rows["kb_condition_aliases"].append(
                {"condition_id": condition.id, "alias": t.text, "kind": t.kind, "case_sensitive": t.case_sensitive})
        ids = catalog.ontology_ids.get(condition.id, ()) if curated else (condition.ontology_id,)
        rows["kb_condition_ontology_ids"].extend({"condition_id": condition.id, "ontology_id": i} for i in ids)


def catalog_rows(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """The catalog as plain row dictionaries per table name, in insert order within each table."""
    rows: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES_IN_DEPENDENCY_ORDER}

    sources: dict[str, dict[str, Any]] = {}
    for citation in catalog.citations():
        sources.setdefault(source_id(citation), {"id": source_id(citation), "file": citation.file,
                                                 "sentence": citation.sentence})
    rows["kb_sources"] = sorted(sources.values(), key=lambda r: r["id"])

    for category in _by_depth(catalog.categories.values(), lambda c: c.broader, catalog.categories):
        rows["kb_categories"].append({"id": category.id, "label": category.label,
                                      "description": category.description, "broader_id": category.broader,
                                      "in_women_id": category.in_women})
        rows["kb_category_ontology_classes"].extend(
            {"category_id": category.id, "class_id": class_id, "class_name": name}
            for class_id, name in category.ontology_classes)
    _condition_rows(catalog, rows)
    service_position = {service_id: index for index, service_id in enumerate(catalog.services)}
    for service in _by_depth(catalog.services.values(), lambda s: s.parent, catalog.services):
        rows["kb_services"].append({"id": service.id, "position": service_position[service.id], "name": service.name,
                                    "description": service.description, "parent_id": service.parent,
                                    "condition_decides": service.condition_decides})
        rows["kb_service_aliases"].extend(
            {"service_id": service.id, "alias": t.text, "kind": t.kind, "case_sensitive": t.case_sensitive}
            for t in service.terms if t.kind != "name"
        )
    for hospital in _by_depth(catalog.hospitals.values(), lambda h: h.site_owner, catalog.hospitals):
        rows["kb_hospitals"].append({
            "id": hospital.id, "name": hospital.name, "short_name": hospital.short_name,
            "site_owner_id": hospital.site_owner, "note": hospital.note,
            "note_source_id": source_id(hospital.note_citation) if hospital.note_citation else None,
            "source_id": source_id(hospital.citation),
        })
        rows["kb_hospital_aliases"].extend(_aliases("hospital_id", hospital))
    for organization in catalog.organizations.values():
        rows["kb_organizations"].append({
            "id": organization.id, "name": organization.name, "short_name": organization.short_name,
            "description": organization.description, "source_id": source_id(organization.citation),
        })
        rows["kb_organization_aliases"].extend(_aliases("organization_id", organization))
    for unit in _by_depth(catalog.units.values(), lambda u: u.parent, catalog.units):
        rows["kb_units"].append({
            "id": unit.id, "hospital_id": unit.hospital, "parent_id": unit.parent, "kind": unit.kind,
            "name": unit.name, "official_name": unit.official_name, "full_name": catalog.unit_full_name(unit.id),
            "serves_age_group": unit.serves_age_group, "age_group_note": unit.age_group_note,
            "source_id": source_id(unit.citation),
        })
        rows["kb_unit_aliases"].extend(_aliases("unit_id", unit))
    for treatment in catalog.treatments.values():
        rows["kb_treatments"].append({
            "id": treatment.id, "unit_id": treatment.unit, "condition_id": treatment.condition,
            "category_id": treatment.category, "age_group": treatment.age_group, "reason": treatment.reason,
            "note": treatment.note, **_dated(treatment), "source_id": source_id(treatment.citation),
        })
    for offering in catalog.offerings.values():
        rows["kb_offerings"].append({"id": offering.id, "unit_id": offering.unit, "service_id": offering.service,
                                     "text": offering.text, **_dated(offering),
                                     "source_id": source_id(offering.citation)})
    for position, partner in enumerate(catalog.partners.values()):
        rows["kb_partner_departments"].append({
            "id": partner.id, "position": position, "unit_id": partner.unit, "department": partner.department,
            "purpose": partner.purpose, "source_id": source_id(partner.citation),
        })
    for position, fact in enumerate(catalog.facts.values()):
        # A unit's fact is also about its hospital; storing both lets hospital queries use one column.
        hospital_id = fact.hospital or (catalog.units[fact.unit].hospital if fact.unit else None)
        rows["kb_facts"].append({
            "id": fact.id, "position": position, "topic": fact.topics[0], "text": fact.text,
            "hospital_id": hospital_id, "unit_id": fact.unit, "organization_id": fact.organization,
            "value": fact.value, "value_max": fact.value_max, "value_unit": fact.value_unit, "since": fact.since,
            **_dated(fact), "source_id": source_id(fact.citation),
        })
        rows["kb_fact_topics"].extend({"fact_id": fact.id, "topic": topic} for topic in fact.topics)
        rows["kb_fact_services"].extend({"fact_id": fact.id, "service_id": s} for s in fact.services)
        rows["kb_fact_conditions"].extend({"fact_id": fact.id, "condition_id": c} for c in fact.conditions)
    for language, entries in sorted(catalog.fact_translations.items()):
        rows["kb_fact_translations"].extend(
            {"fact_id": entry.fact_id, "language": language, "text": entry.text,
             "reviewed_by_native_speaker": entry.reviewed_by_native_speaker}
            for entry in entries.values())
    for step in catalog.follow_up.values():
        rows["kb_follow_up_steps"].append({"id": step.id, "unit_id": step.unit, "step": step.step,
                                           "text": step.text, "source_id": source_id(step.citation)})
    for contact in catalog.contacts.values():
        rows["kb_contacts"].append({
            "id": contact.id, "organization_id": contact.organization, "hospital_id": contact.hospital,
            "about_hospital_id": contact.about_hospital, "kind": contact.kind, "value": contact.value,
            "label": contact.label, "note": contact.note, "source_id": source_id(contact.citation),
        })
    # the build's id is its content's fingerprint: a process keeping the store's rows in memory drops them
    # when a build changes anything, and keeps them across a rebuild of the same content
    content = json.dumps(rows, sort_keys=True, default=str).encode("utf-8")
    rows["kb_build"] = [{"id": hashlib.sha256(content).hexdigest()[:32]}]
    return rows


def _dated(row: Any) -> dict[str, Any]:
    return {"as_of": row.as_of, "as_of_source_id": source_id(row.as_of_citation) if row.as_of_citation else None}


def _aliases(key: str, row: Any) -> list[dict[str, Any]]:
    seen: set[str] = set()
    aliases = []
    for term in row.terms:
        # The primary key is (owner, alias); the name itself is stored on the owner's row.
        if term.kind == "name" or term.text in seen or term.text == row.name:
            continue
        seen.add(term.text)
        aliases.append({key: row.id, "alias": term.text})
    return aliases


def _make_sqlite_ddl_transactional(engine: Engine) -> None:
    """Let CREATE/DROP TABLE roll back with the rest of the build on SQLite.

    Python's sqlite3 driver only opens a transaction before data changes, so schema changes would
    commit on their own; taking over BEGIN (SQLAlchemy's documented recipe) puts them in the build's
    one transaction, as PostgreSQL does anyway.
    """

    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_to_us(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):  # noqa: ANN001
        connection.exec_driver_sql("BEGIN")


def _create_or_replace_schema(connection: Connection) -> None:
    """Create the kb_ tables; if existing ones have other columns (an older version), replace them.

    Their rows are derived from the content and rewritten by every build anyway, so nothing is lost.
    """
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    outdated = [
        table.name for table in TABLES_IN_DEPENDENCY_ORDER
        if table.name in existing
        and {c["name"] for c in inspector.get_columns(table.name)} != {c.name for c in table.columns}
    ]
    if outdated:
        KNOWLEDGE_METADATA.drop_all(connection, checkfirst=True)
    KNOWLEDGE_METADATA.create_all(connection)


def build(
    database_url: str | None = None,
    *,
    content_dir: Path = CONTENT_DIR,
    vocabulary_dir: Path = VOCABULARY_DIR,
    sources_dir: Path = SOURCES_DIR,
    catalog: Catalog | None = None,
) -> BuildReport:
    """Create or refresh the knowledge tables at `database_url` (default: the configured `DATABASE_URL`).

    The content is read from the given folders (default: the package's own) unless a parsed `catalog`
    is passed. Raises `ContentError` (database untouched) when the content is invalid. The tables are
    replaced in a single transaction: on any database error the previous contents remain.
    """
    if catalog is None:
        catalog = load_catalog(content_dir, vocabulary_dir, sources_dir)
    rows = catalog_rows(catalog)
    url = database_url or load_settings().database_url
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        _make_sqlite_ddl_transactional(engine)
    try:
        with engine.begin() as connection:
            _create_or_replace_schema(connection)
            for table in reversed(TABLES_IN_DEPENDENCY_ORDER):
                connection.execute(table.delete())
            for table in TABLES_IN_DEPENDENCY_ORDER:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
    finally:
        engine.dispose()
    return BuildReport(
        database=make_url(url).render_as_string(hide_password=True),
        counts={name: len(table_rows) for name, table_rows in rows.items()},
    )
