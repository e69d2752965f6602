"""The store's rows are read once per build of the store and kept in the process; a build that changes
the content is seen at once, and a store built before build ids existed is still read (afresh)."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import event, text

from knowledge import loader
from knowledge.catalog import CONTENT_DIR
from knowledge.database import open_session
from knowledge.queries import facts_by_topic, list_units, search
from settings.database import shared_engine

PEDIATRIC = "snuh_pediatric_hematology_oncology.yml"


def count_statements(url: str) -> list[str]:
    """The SQL statements run on `url`'s shared engine from now on (the list fills as they run)."""
    seen: list[str] = []
    event.listen(shared_engine(url), "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def test_a_second_request_reads_no_whole_table_again(sqlite_url):
    loader.build(sqlite_url)
    with open_session(sqlite_url) as session:
        first = [unit.id for unit in list_units(session)]
    seen = count_statements(sqlite_url)
    with open_session(sqlite_url) as session:
        assert [unit.id for unit in list_units(session)] == first
    units_reads = [s for s in seen if "FROM kb_units" in s]
    assert not units_reads, units_reads
    assert any("FROM kb_build" in s for s in seen)  # the one small query that says which build it is


def test_a_build_that_changes_the_content_is_seen_by_the_next_request(sqlite_url, tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    loader.build(sqlite_url, content_dir=content)
    with open_session(sqlite_url) as session:
        assert search(session, "hospital school")  # rows are now kept for this build
    page = content / PEDIATRIC
    page.write_text(page.read_text(encoding="utf-8").replace(
        "name: Pediatric Hematology-Oncology\n", "name: Children's Hematology-Oncology\n", 1), encoding="utf-8")
    loader.build(sqlite_url, content_dir=content)
    with open_session(sqlite_url) as session:
        names = {unit.id: unit.name for unit in list_units(session)}
    assert names["snuh_pediatric_hmo"] == "Children's Hematology-Oncology"


def test_a_store_without_a_build_id_is_read_afresh(sqlite_url):
    """The actions open the store without the built check: an older store still answers."""
    loader.build(sqlite_url)
    with shared_engine(sqlite_url).begin() as connection:
        connection.execute(text("DROP TABLE kb_build"))
    with open_session(sqlite_url, check_built=False) as session:
        assert facts_by_topic(session, "transplant")
        assert list_units(session)
