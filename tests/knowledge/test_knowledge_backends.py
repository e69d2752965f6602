"""Build and query on both supported backends (SQLite and PostgreSQL, via `database_url`)."""
from __future__ import annotations

from knowledge import queries
from knowledge.catalog import default_catalog
from knowledge.database import open_session, store_is_built
from knowledge.loader import build
from settings.database import make_engine


def test_build_and_query(database_url):
    engine = make_engine(database_url)
    try:
        assert not store_is_built(engine)
        first = build(database_url)
        second = build(database_url)  # refresh in place
        assert first.counts == second.counts
        assert store_is_built(engine)
    finally:
        engine.dispose()

    catalog = default_catalog()
    with open_session(database_url) as session:
        assert queries.store_counts(session)["facts"] == len(catalog.facts)
        child = queries.route_patient(session, "my 5 year old has neuroblastoma")
        assert [r.unit.id for r in child.routes] == ["snuh_pediatric_hmo"]
        adult = queries.route_patient(session, "my mom has lung cancer")
        assert [r.unit.id for r in adult.routes] == ["snuh_hmo_medical_oncology"]
        certification = queries.facts_by_topic(session, "certification", hospital_id="smc")
        assert certification and all(f.as_of == "2021-10-08" for f in certification)
        assert queries.search(session, "hospital school")[0].unit.id == "snuh_pediatric_hmo"
        assert queries.service_availability(session, "Mohs surgery", "Skin Cancer Center").offered is True
        assert [c.value[-4:] for c in queries.contacts(session, "smc")] == ["8991", "8992", "8993"]
        steps = queries.partner_departments(session, "snuh_pediatric_hmo")
        assert steps[0].department == "Department of Pediatric Neurosurgery"  # the page's order survives
