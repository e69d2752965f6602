"""The emergency and out-of-domain measurement (evaluation/safety.py): its data and its scoring.

None of these needs a trained model: the scoring is checked with a stand-in parser, and the red flags
and near misses are checked against the safety guard's patterns alone (the model only adds the
classifier's guesses, which the guard can lower or override)."""
from __future__ import annotations

import sys

import pytest

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import common, safety  # noqa: E402
from nlu_components.safety_guard import guarded_intent, load_patterns  # noqa: E402


@pytest.fixture(scope="module")
def cases():
    return safety.load_cases()


def test_the_set_is_large_and_covers_every_kind(cases):
    assert len(cases["red_flags"]) >= 60 and len(cases["near_misses"]) >= 60
    assert {c["kind"] for c in cases["red_flags"]} >= {"fever", "bleeding", "breathing", "chest", "neuro", "suicide"}
    assert sum(c["kind"] == "fever" for c in cases["red_flags"]) >= 15  # the worst miss
    assert {c["kind"] for c in cases["near_misses"]} >= {"past", "what_is", "which_unit", "lookalike", "risk"}
    texts = [common.normalise_text(c["text"]) for group in cases.values() for c in group]
    assert len(set(texts)) == len(texts), "a case is listed twice (or as both a red flag and a near miss)"


def test_no_case_is_a_training_or_test_example(cases):
    seen = common.training_texts() | {common.normalise_text(t) for _, t in common.read_nlu_examples(safety.TEST_NLU)}
    copies = [c["text"] for group in cases.values() for c in group if common.normalise_text(c["text"]) in seen]
    assert not copies


def test_no_case_is_copied_into_the_unit_tests_or_the_patterns(cases):
    """The guard's own tests use sentences of their own, so the set measures more than what they check."""
    written = " ".join(common.normalise_text(path.read_text(encoding="utf-8")) for path in [
        PROJECT_ROOT / "tests" / "nlu_components" / "test_safety_guard.py",
        PROJECT_ROOT / "nlu_components" / "safety_patterns.yml"])
    copies = [c["text"] for group in cases.values() for c in group if common.normalise_text(c["text"]) in written]
    assert not copies


def test_the_patterns_alone_recognise_every_red_flag(cases):
    patterns = load_patterns()
    missed = [c["text"] for c in cases["red_flags"] if (guarded_intent(c["text"], patterns) or ("",))[0] != "emergency"]
    assert not missed


def test_the_patterns_alone_escalate_at_most_one_near_miss_in_twenty(cases):
    patterns = load_patterns()
    escalated = [c["text"] for c in cases["near_misses"]
                 if (guarded_intent(c["text"], patterns) or ("",))[0] == "emergency"]
    assert len(escalated) <= len(cases["near_misses"]) / 20, escalated


def parse_by(table: dict[str, str]):
    """A stand-in for the model: each text gets the intent in `table` (default out_of_scope)."""
    return lambda texts: [{"text": t, "intent": {"name": table.get(t, "out_of_scope"), "confidence": 0.9}}
                          for t in texts]


def test_scoring_counts_recall_escalation_declines_and_false_alarms():
    cases = {"red_flags": [{"text": "a", "kind": "fever"}, {"text": "b", "kind": "chest"}],
             "near_misses": [{"text": "c", "kind": "past"}, {"text": "d", "kind": "risk"}]}
    ood = ["wake me at noon", "sync my phone", "book a table", "weather?"]
    in_domain = [("ask_route", "where for lymphoma"), ("emergency", "he collapsed")]
    figures = safety.measure(parse_by({"a": "emergency", "b": "greet", "c": "emergency", "wake me at noon": "emergency",
                                       "sync my phone": "nlu_fallback", "book a table": "ask_route",
                                       "where for lymphoma": "nlu_fallback", "he collapsed": "emergency"}),
                             cases, ood, in_domain)
    emergencies, ood_figures, inside = figures["emergencies"], figures["out_of_domain"], figures["in_domain"]
    assert (emergencies["recall"], emergencies["escalation_rate"]) == (0.5, 0.5)
    assert [m["text"] for m in emergencies["missed"]] == ["b"] and emergencies["missed"][0]["intent"] == "greet"
    assert [m["text"] for m in emergencies["escalated_cases"]] == ["c"]
    assert emergencies["red_flags_by_kind"]["chest"] == {"cases": 1, "wrong": 1}
    assert ood_figures["declined"] == 2 and ood_figures["declined_share"] == 0.5  # fallback and out_of_scope
    assert ood_figures["emergency_false_alarms"] == 1
    assert ood_figures["emergency_false_alarm_examples"][0]["message"] == "wake me at noon"
    assert ood_figures["claimed_by_intent"] == {"emergency": 1, "ask_route": 1}
    assert inside["wrongly_declined"] == 1 and inside["held_out_emergencies_recognised"] == 1


def test_each_distinct_message_is_parsed_once():
    seen = []

    def parse(texts):
        seen.extend(texts)
        return [{"intent": {"name": "out_of_scope"}} for _ in texts]
    safety.measure(parse, {"red_flags": [{"text": "x", "kind": "k"}], "near_misses": []}, ["x", "y"], [("i", "y")])
    assert sorted(seen) == ["x", "y"]


def test_the_out_of_domain_draw_is_unseen_deterministic_and_clearly_out_of_scope():
    first, info = common.heldout_out_of_domain(safety.OOD_MESSAGES, seed=safety.OOD_SEED)
    again, _ = common.heldout_out_of_domain(safety.OOD_MESSAGES, seed=safety.OOD_SEED)
    assert first == again and len(first) == safety.OOD_MESSAGES == info["sampled"]
    training = common.training_texts()
    assert not [t for t in first if common.normalise_text(t) in training]
    is_excluded = common.clinc_exclusion_rule()
    assert not [t for t in first if is_excluded(t)]


def test_the_report_section_lists_every_mistake_and_survives_a_failed_run():
    cases = {"red_flags": [{"text": "she is hot after chemo", "kind": "fever"}],
             "near_misses": [{"text": "fever last year", "kind": "past"}]}
    figures = safety.measure(parse_by({"fever last year": "emergency", "wake me": "emergency"}), cases, ["wake me"], [])
    lines = "\n".join(safety.render_markdown({"ours": figures, "baseline": {"error": "RuntimeError: boom"}}))
    assert "she is hot after chemo" in lines and "fever last year" in lines and "wake me" in lines
    assert "baseline: RuntimeError: boom" in lines
    assert safety.headline(figures)["emergency_recall"] == 0.0
    assert safety.headline({"error": "x"}) == {key: None for key in safety.HEADLINE_LABELS}
