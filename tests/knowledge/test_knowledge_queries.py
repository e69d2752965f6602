"""The query API: plain frozen results, honest "the pages do not say", transplants, search."""
from __future__ import annotations

import dataclasses

import pytest

from knowledge import queries
from knowledge.catalog import Catalog
from knowledge.database import open_session
from messages.explain import explain


def test_results_are_frozen_dataclasses_usable_after_the_session_closes(built_database_url):
    with open_session(built_database_url) as session:
        result = queries.route_patient(session, "my 5 year old has leukemia")
        facts = queries.facts_by_topic(session, "transplant")
    # The session is closed: everything must already be plain data.
    assert result.routes[0].unit.full_name and result.routes[0].sources[0].sentence
    assert facts[0].source.file and facts[0].unit.hospital_name
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.explanation = ()  # type: ignore[misc]
    for value in (result, result.routes[0], facts[0], facts[0].source):
        assert dataclasses.is_dataclass(value)


def test_transplant_kinds_and_figures(session, catalog: Catalog):
    overview = queries.transplant_kinds(session)
    kinds = {kind.service.id for kind in overview.kinds}
    expected = {s.id for s in catalog.services.values() if s.parent == "hsct"}
    assert kinds == expected and len(kinds) >= 7
    for kind in overview.kinds:
        assert kind.offered_by, kind.service.id
        assert all(o.source.file == "000_3640c03fd6599930.txt" for o in kind.offered_by)
    assert {o.unit.id for o in overview.general} == {"snuh_hmo_hematology", "snuh_pediatric_hmo"}
    total = next(f for f in overview.facts if f.value is not None)
    assert (total.value, total.since) == (3200, "1985")
    assert "3,200" in total.source.sentence and "1985" in total.source.sentence


def test_facts_by_topic_rejects_unknown_topics_and_ids(session):
    with pytest.raises(ValueError, match="Unknown topic 'weather'"):
        queries.facts_by_topic(session, "weather")
    with pytest.raises(queries.NotFoundError, match="no_such_unit"):
        queries.facts_by_topic(session, "about", unit_id="no_such_unit")
    with pytest.raises(queries.NotFoundError):
        queries.unit_offerings(session, "no_such_unit")


def test_facts_by_topic_filters_by_unit_and_hospital(session):
    all_research = queries.facts_by_topic(session, "research")
    smc_research = queries.facts_by_topic(session, "research", hospital_id="smc")
    hmo_research = queries.facts_by_topic(session, "research", unit_id="snuh_hmo")
    assert smc_research and hmo_research and len(all_research) > len(smc_research)
    assert all(f.hospital.id == "smc" for f in smc_research)
    # A division's facts include those of the fields inside it.
    assert {f.unit.id for f in hmo_research} >= {"snuh_hmo", "snuh_hmo_hematology", "snuh_hmo_medical_oncology"}


def test_volumes_give_figures_with_dates(session):
    figures = {f.id: f for f in queries.facts_by_topic(session, "volumes")}
    values = {(f.value, f.value_max) for f in figures.values()}
    assert {(3200, None), (1000, 1200), (350, None), (13, None)} <= values
    ovarian = next(f for f in figures.values() if f.value == 350)
    assert ovarian.as_of == "2021-10-08" and ovarian.as_of_source.sentence == "October 8,2021"


def test_certification_is_dated_not_presented_as_current(session):
    facts = queries.facts_by_topic(session, "certification", hospital_id="smc")
    assert facts and all(f.as_of == "2021-10-08" for f in facts)
    five_years = next(f for f in facts if f.value == 5)
    assert "2021" in five_years.text


def test_service_availability_offered(session):
    answer = queries.service_availability(session, "CAR-T", "Seoul National University Hospital")
    assert answer.status == "offered" and answer.offered is True
    assert answer.service.id == "car_t" and answer.hospital.id == "snuh"
    assert answer.sources and "CAR-T" in answer.sources[0].sentence


def test_service_availability_kind_of_a_broader_service(session):
    answer = queries.service_availability(session, "haploidentical transplant", "snuh_hmo")
    assert answer.offered is True and answer.offerings[0].unit.id == "snuh_hmo_hematology"


def test_service_availability_not_stated_is_not_no(session):
    answer = queries.service_availability(session, "chemotherapy", "SNUH")
    assert answer.status == "not_stated" and answer.offered is None
    text = explain(answer.explanation)
    assert "do not say" in text and "not offer" not in text
    assert {o.unit.id for o in answer.offered_elsewhere} == {"snuch_skin_cancer_center"}


def test_service_availability_mentions_the_broader_statement(session):
    answer = queries.service_availability(session, "cord blood transplant", "pediatric hematology-oncology")
    assert answer.status == "not_stated"
    assert [o.service.id for o in answer.related] == ["hsct"]


def test_service_availability_names_research_without_claiming_treatment(session):
    answer = queries.service_availability(session, "targeted therapy", "smc")
    assert answer.status == "not_stated" and answer.offered is None
    assert [f.id for f in answer.related_facts] and all("research" in f.topics for f in answer.related_facts)


def test_service_availability_through_a_page_of_the_hospitals_website_says_so(session):
    answer = queries.service_availability(session, "hospital school", "SNUH")
    assert answer.offered is True and answer.offerings[0].unit.hospital_id == "snuh_site"
    assert "does not name" in explain(answer.explanation)


def test_service_availability_unknowns(session):
    assert queries.service_availability(session, "flying lessons", "SNUH").status == "unknown_service"
    assert queries.service_availability(session, "Mohs surgery", "the moon").status == "unknown_place"


def test_offerings(session):
    pediatric = {o.service.id for o in queries.unit_offerings(session, "snuh_pediatric_hmo").items}
    assert {"hospital_school", "aid_associations", "family_shelter", "palliative_care", "hsct"} <= pediatric
    assert "car_t" not in pediatric
    snuh = queries.hospital_offerings(session, "snuh")
    assert {"car_t", "hsct_cord_blood", "hospital_school"} <= {o.service.id for o in snuh.items}
    only_named = queries.hospital_offerings(session, "snuh", include_site_pages=False)
    assert "hospital_school" not in {o.service.id for o in only_named.items}


def test_partner_departments_and_follow_up(session):
    partners = queries.partner_departments(session, "smc_gynecologic_cancer_center")
    assert len(partners) == 10
    assert {p.purpose for p in partners} == {"discuss the best treatment options together", "join for surgery when necessary"}
    steps = queries.follow_up_care(session, "snuch_skin_cancer_center")
    assert [s.step for s in steps] == [1, 2, 3, 4, 5]
    assert "biopsy" in steps[-1].text and "relapse" in steps[-1].source.sentence


@pytest.mark.parametrize(
    "question, top_fact_should_link",
    [
        ("Is there a hospital school?", ("service", "hospital_school")),
        ("Since when is CAR-T used?", ("service", "car_t")),
        ("how big is a skin biopsy sample", ("service", "skin_biopsy")),
        ("palliative care for children", ("service", "palliative_care")),
        ("how many ovarian cancer surgeries", ("condition", "ovarian_cancer")),
    ],
)
def test_search_ranks_the_relevant_fact_first(session, catalog: Catalog, question, top_fact_should_link):
    results = queries.search(session, question, limit=3)
    assert results
    top = catalog.facts[results[0].id]
    kind, linked = top_fact_should_link
    assert linked in (top.services if kind == "service" else top.conditions)


def test_search_contact_and_nonsense(session):
    assert queries.search(session, "phone number")[0].topic == "contact"
    assert queries.search(session, "the weather in Busan") == []
    assert queries.search(session, "") == [] and queries.search(session, "leukemia", limit=0) == []
    assert len(queries.search(session, "cancer", limit=2)) <= 2


def test_listings_and_counts(session, catalog: Catalog):
    assert [h.id for h in queries.list_hospitals(session)] == sorted(catalog.hospitals)
    assert {u.id for u in queries.list_units(session)} == set(catalog.units)
    counts = queries.store_counts(session)
    assert counts["facts"] == len(catalog.facts) and counts["units"] == len(catalog.units)
    assert counts["sources"] == len({(c.file, c.sentence) for c in catalog.citations()})
