"""The routing table (routing_cases.yml) against `route_patient`."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.queries import RoutingResult, Sentence, route_patient
from messages.explain import explain

CASES = yaml.safe_load((Path(__file__).parent / "routing_cases.yml").read_text(encoding="utf-8"))["cases"]


def test_the_table_is_big_and_varied_enough():
    assert len(CASES) >= 40
    texts = [case["text"] for case in CASES]
    assert len(set(zip(texts, [c.get("age") for c in CASES], [c.get("is_child") for c in CASES]))) == len(CASES)
    assert sum(1 for c in CASES if c.get("in_scope") is False) >= 3
    assert sum(1 for c in CASES if c.get("needs_age_group")) >= 3


@pytest.mark.parametrize("case", CASES, ids=[f"{i:02d}-{c['text'][:40]}" for i, c in enumerate(CASES)])
def test_routing_case(session, case):
    result = route_patient(session, case["text"], age=case.get("age"), is_child=case.get("is_child"))
    assert isinstance(result, RoutingResult)

    assert sorted(route.unit.id for route in result.routes) == sorted(case["units"]), explain(result.explanation)
    if "condition" in case:
        assert (result.condition.id if result.condition else None) == case["condition"]
    if "age_group" in case:
        assert result.age_group == case["age_group"]
    if "needs_age_group" in case:
        assert result.needs_age_group is case["needs_age_group"]
    if "service" in case:
        assert (result.service.id if result.service else None) == case["service"]
    assert result.in_scope is case.get("in_scope", True)
    if "out_of_scope" in case:
        assert (result.out_of_scope.id if result.out_of_scope else None) == case["out_of_scope"]
    for unit_id, label in case.get("labels", {}).items():
        assert next(r for r in result.routes if r.unit.id == unit_id).age_group == label

    # Whatever the outcome, the patient gets a sentence (ids: the words are the catalog's), and every
    # route says why, with a source.
    assert result.explanation and all(isinstance(item, Sentence) for item in result.explanation)
    assert explain(result.explanation).strip()
    for route in result.routes:
        assert route.reason.strip()
        assert route.sources and all(s.file.endswith(".txt") and s.sentence for s in route.sources)
        assert route.unit.name in route.unit.full_name and route.unit.hospital_name


def test_needing_an_age_labels_both_groups(session):
    result = route_patient(session, "leukemia")
    assert result.needs_age_group and result.age_group is None
    assert {r.age_group for r in result.routes} == {"child", "adult"}
    assert result.explanation[-1].message_id == "route.why.how_old"
    assert "How old" in explain(result.explanation)


def test_what_the_caller_passes_wins_over_the_text(session):
    assert route_patient(session, "my 5 year old has leukemia", age=40).age_group == "adult"
    assert route_patient(session, "I am 45 and have leukemia", is_child=True).age_group == "child"
    assert route_patient(session, "my 5 year old has leukemia", age=40, is_child=True).age_group == "adult"


def test_out_of_scope_says_so_plainly(session):
    result = route_patient(session, "broken leg")
    assert not result.in_scope and not result.routes and result.condition is None
    assert [item.message_id for item in result.explanation] == ["route.why.out_of_scope"]
    text = explain(result.explanation)
    assert "broken bone" in text and "cancer" in text


def test_adult_routes_to_internal_medicine_say_it_is_the_projects_rule(session):
    route = route_patient(session, "leukemia", age=40).routes[0]
    assert route.unit.id == "snuh_hmo_hematology"
    assert route.note and "project" in route.note  # the page gives no age limit; the note says so


def test_the_gynecologic_route_is_honest_about_what_the_page_covers(session):
    route = route_patient(session, "cervical cancer", age=40).routes[0]
    assert route.unit.id == "smc_gynecologic_cancer_center"
    assert "ovarian" in route.reason and "does not list" in route.reason
