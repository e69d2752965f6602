"""The build: validation errors name the file and entry and leave the previous store intact; the
build is one transaction and idempotent."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from knowledge import loader
from knowledge.__main__ import main
from knowledge.catalog import CONTENT_DIR, VOCABULARY_DIR, ContentError, load_catalog
from knowledge.models import TABLES_IN_DEPENDENCY_ORDER
from settings.database import make_engine

PEDIATRIC = "snuh_pediatric_hematology_oncology.yml"


def _dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every knowledge table, sorted, for comparing whole stores."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(tuple(map(str, row)) for row in connection.execute(select(table)))
                for table in TABLES_IN_DEPENDENCY_ORDER
            }
    finally:
        engine.dispose()


@pytest.fixture()
def content_copy(tmp_path) -> Path:
    """A private copy of the content folder to break."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.fixture()
def built_url(sqlite_url) -> str:
    loader.build(sqlite_url)
    return sqlite_url


@pytest.fixture()
def built_url_any_backend(database_url) -> str:
    """A built store on SQLite and on PostgreSQL (skipped outside CI when there is no server)."""
    loader.build(database_url)
    return database_url


def test_build_is_idempotent(sqlite_url):
    first = loader.build(sqlite_url)
    before = _dump(sqlite_url)
    second = loader.build(sqlite_url)
    assert first.counts == second.counts
    assert _dump(sqlite_url) == before
    assert all(count > 0 for count in first.counts.values())
    assert first.counts["kb_facts"] == len(load_catalog().facts)


def _edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"test setup: {old!r} not in {path.name}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


BROKEN_CONTENT = {
    "broken_yaml": (
        "  - id: peds_transplant\n", "  - id: peds_transplant\n    topics: [transplant\n",
        ["not valid YAML"],
    ),
    "duplicate_id": (
        "  - id: peds_transplant\n", "  - id: peds_korea_incidence\n",
        ["facts[", "duplicate fact id 'peds_korea_incidence'"],
    ),
    "dangling_reference": (
        "    service: hospital_school\n", "    service: hospital_schooling\n",
        ["offers[", "service 'hospital_schooling'", "does not exist"],
    ),
    "sentence_not_in_seed": (
        # A straight apostrophe where the page has a curly one: not verbatim.
        "Besides this, Korea’s first pediatric", "Besides this, Korea's first pediatric",
        ["quotes.palliative", "not a verbatim part of 001_2893836f267d3b1c.txt"],
    ),
    "unknown_quote": (
        "    cite: palliative\n", "    cite: palliative_team\n",
        ["cites quote 'palliative_team'"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONTENT))
def test_bad_content_stops_the_build_and_names_file_and_entry(case, content_copy, built_url, capsys):
    old, new, expected = BROKEN_CONTENT[case]
    _edit(content_copy / PEDIATRIC, old, new)
    before = _dump(built_url)

    with pytest.raises(ContentError) as raised:
        loader.build(built_url, content_dir=content_copy)
    message = str(raised.value)
    assert PEDIATRIC in message
    for part in expected:
        assert part in message
    assert _dump(built_url) == before

    # The CLI prints the same message, without a traceback, and exits non-zero.
    code = main(["--database-url", built_url, "--content-dir", str(content_copy), "build"])
    err = capsys.readouterr().err
    assert code == 2
    assert PEDIATRIC in err and "Traceback" not in err
    assert _dump(built_url) == before


def test_whitespace_in_a_quote_does_not_matter(content_copy, sqlite_url):
    # Re-flow a quote over two lines with extra spaces: still the same sentence.
    _edit(content_copy / PEDIATRIC, "first pediatric palliative care team", "first pediatric\n    palliative   care team")
    report = loader.build(sqlite_url, content_dir=content_copy)
    assert report.counts["kb_facts"] == len(load_catalog().facts)


def test_duplicate_yaml_keys_are_refused(content_copy):
    _edit(content_copy / PEDIATRIC, "    topics: [transplant]\n", "    topics: [transplant]\n    topics: [about]\n")
    with pytest.raises(ContentError, match="duplicate key 'topics'"):
        load_catalog(content_copy)


def test_broken_vocabulary_names_its_file(tmp_path):
    vocabulary = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, vocabulary)
    _edit(vocabulary / "conditions.yml", "    category: blood_cancer\n    parent: leukemia\n",
          "    category: blood_cancers\n    parent: leukemia\n")
    with pytest.raises(ContentError, match=r"conditions\.yml, conditions\[\d+\] \(id 'acute_lymphoblastic_leukemia'\)"):
        load_catalog(CONTENT_DIR, vocabulary)


def test_a_description_that_starts_with_a_gap_is_refused(tmp_path):
    vocabulary = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, vocabulary)
    _edit(vocabulary / "conditions.yml", '      - "platelet|platelets * low', '      - "* platelet|platelets * low')
    with pytest.raises(ContentError, match=r"\(id 'benign_blood_disorder'\).*must start and end with a word"):
        load_catalog(CONTENT_DIR, vocabulary)


def test_an_invented_figure_is_refused(content_copy):
    _edit(content_copy / "snuh_hematology_oncology.yml", "    value: 3200\n", "    value: 3300\n")
    with pytest.raises(ContentError, match="value 3300 does not appear in the cited sentence"):
        load_catalog(content_copy)


def test_a_database_error_rolls_back_to_the_previous_store(built_url_any_backend, monkeypatch):
    built_url = built_url_any_backend
    before = _dump(built_url)
    real_rows = loader.catalog_rows

    def rows_with_a_broken_reference(catalog):
        rows = real_rows(catalog)
        rows["kb_follow_up_steps"][-1]["unit_id"] = "no_such_unit"  # violates a foreign key, late in the build
        return rows

    monkeypatch.setattr(loader, "catalog_rows", rows_with_a_broken_reference)
    with pytest.raises(SQLAlchemyError):
        loader.build(built_url)
    assert _dump(built_url) == before


def test_knowledge_tables_have_their_own_prefix(built_url):
    engine = make_engine(built_url)
    try:
        with engine.connect() as connection:
            names = [row[0] for row in connection.execute(text("select name from sqlite_master where type='table'"))]
    finally:
        engine.dispose()
    assert names and all(name.startswith("kb_") for name in names)


def _replace_contacts_with_an_old_layout(url: str) -> None:
    """Simulate a store built by an older version: kb_contacts with fewer columns and one row."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("drop table kb_contacts"))
            connection.execute(text("create table kb_contacts (id varchar(120) primary key, value varchar(100))"))
            connection.execute(text("insert into kb_contacts values ('old', '+82-00')"))
    finally:
        engine.dispose()


def test_a_store_of_an_older_layout_is_replaced(built_url_any_backend):
    built_url = built_url_any_backend
    _replace_contacts_with_an_old_layout(built_url)
    report = loader.build(built_url)
    assert report.counts["kb_contacts"] == len(load_catalog().contacts)
    assert ("old", "+82-00") not in {row[:2] for row in _dump(built_url)["kb_contacts"]}
    assert _dump(built_url)["kb_contacts"][0][0] == "kima_phone_8991"


def test_a_failed_build_also_rolls_back_the_schema_change(built_url_any_backend, monkeypatch):
    built_url = built_url_any_backend
    _replace_contacts_with_an_old_layout(built_url)
    engine = make_engine(built_url)
    real_rows = loader.catalog_rows

    def rows_with_a_broken_reference(catalog):
        rows = real_rows(catalog)
        rows["kb_contacts"][-1]["organization_id"] = "no_such_organization"
        return rows

    monkeypatch.setattr(loader, "catalog_rows", rows_with_a_broken_reference)
    with pytest.raises(SQLAlchemyError):
        loader.build(built_url)
    try:
        with engine.connect() as connection:
            assert list(connection.execute(text("select * from kb_contacts"))) == [("old", "+82-00")]
    finally:
        engine.dispose()
