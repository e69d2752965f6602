"""Columns added to existing referral tables since the first release.

`create_schema` creates missing tables with SQLAlchemy's `create_all`, which never changes a table that
exists. The columns below were added later; on a database made by an older release they are added here
with `ALTER TABLE ... ADD COLUMN`, which SQLite and PostgreSQL both run without rewriting the rows.

Accounts that existed before roles did could see every inquiry and manage everything from the command
line, so they become administrators (the column's default for existing rows): the office keeps working
after an upgrade, and an administrator then gives each coordinator their role and units. Accounts created
afterwards get the role given at creation (`referrals.accounts.create_coordinator`).
"""
from __future__ import annotations

import logging

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# table -> [(column, DDL type and default for the rows already there)]
ADDED_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "referral_coordinators": [
        ("role", "VARCHAR(20) NOT NULL DEFAULT 'administrator'"),
        ("email", "VARCHAR(254)"),
    ],
    "referral_inquiries": [
        ("chat_language", "VARCHAR(8)"),
    ],
}


def missing_columns(engine: Engine) -> list[tuple[str, str, str]]:
    """The (table, column, DDL) of every added column an existing table still lacks."""
    inspector = inspect(engine)
    missing = []
    for table, columns in ADDED_COLUMNS.items():
        if not inspector.has_table(table):
            continue  # create_all makes it whole
        present = {column["name"] for column in inspector.get_columns(table)}
        missing.extend((table, name, ddl) for name, ddl in columns if name not in present)
    return missing


def upgrade_schema(engine: Engine) -> list[str]:
    """Add the missing columns; return their `table.column` names. Another process adding the same
    column at the same moment is not an error: the column is there afterwards either way."""
    added = []
    for table, column, ddl in missing_columns(engine):
        try:
            with engine.begin() as connection:
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
        except DBAPIError:
            if (table, column, ddl) in missing_columns(engine):
                raise
            continue
        log.info("added column %s.%s to an existing database", table, column)
        added.append(f"{table}.{column}")
    return added
