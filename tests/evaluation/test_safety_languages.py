"""Emergencies in every language (evaluation/safety_languages.py and evaluation/emergency_cases_<lang>.yml):
the sets are large enough and fresh, and the safety patterns alone meet the floor in every language."""
from __future__ import annotations

import sys

import pytest

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import common, safety_languages  # noqa: E402
from languages import LANGUAGES  # noqa: E402
from nlu_components.safety_guard import LANGUAGE_PATTERNS_DIR, guarded_intent, load_patterns  # noqa: E402

OTHER_LANGUAGES = [language for language in LANGUAGES if language != "en"]
KINDS = {"fever", "bleeding", "breathing", "chest", "neuro", "suicide"}
NEAR_MISS_KINDS = {"past", "what_is", "which_unit", "lookalike", "risk"}


@pytest.fixture(scope="module")
def cases():
    return safety_languages.load_all_cases()


@pytest.fixture(scope="module")
def patterns():
    return load_patterns()


def _emergency(text, patterns) -> bool:
    return (guarded_intent(text, patterns) or ("",))[0] == "emergency"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_each_language_has_enough_cases_of_every_kind(cases, language):
    groups = cases[language]
    assert len(groups["red_flags"]) >= 15 and len(groups["near_misses"]) >= 10
    assert {c["kind"] for c in groups["red_flags"]} >= KINDS
    assert {c["kind"] for c in groups["near_misses"]} >= NEAR_MISS_KINDS
    texts = [common.normalise_text(c["text"]) for group in groups.values() for c in group]
    assert len(set(texts)) == len(texts)


def test_the_held_out_cases_cover_every_other_language():
    heldout = safety_languages.load_heldout_cases()
    assert sorted(heldout) == sorted(OTHER_LANGUAGES)
    assert all(len(groups["red_flags"]) >= 8 and len(groups["near_misses"]) >= 5 for groups in heldout.values())


def test_no_case_is_copied_into_the_patterns_or_their_tests(cases):
    written = " ".join(common.normalise_text(path.read_text(encoding="utf-8")) for path in [
        *LANGUAGE_PATTERNS_DIR.glob("*.yml"),
        PROJECT_ROOT / "tests" / "nlu_components" / "test_safety_guard_languages.py",
        PROJECT_ROOT / "tests" / "languages" / "test_detection.py"])
    heldout = safety_languages.load_heldout_cases()
    copies = [c["text"] for every in (cases, heldout) for language in OTHER_LANGUAGES
              for group in every[language].values() for c in group if common.normalise_text(c["text"]) in written]
    assert not copies


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_red_flag_is_recognised(cases, patterns, language):
    missed = [c["text"] for c in cases[language]["red_flags"] if not _emergency(c["text"], patterns)]
    assert not missed


@pytest.mark.parametrize("language", LANGUAGES)
def test_at_most_one_near_miss_in_twenty_escalates(cases, patterns, language):
    near = cases[language]["near_misses"]
    escalated = [c["text"] for c in near if _emergency(c["text"], patterns)]
    assert len(escalated) <= len(near) / 20, escalated


def test_the_measure_reports_every_language_and_the_detection(cases):
    figures = safety_languages.measure(safety_languages.guard_only, cases)
    assert set(figures["emergencies"]) == set(LANGUAGES)
    assert all(figures["emergencies"][language]["recall"] == 1.0 for language in LANGUAGES)
    detection = figures["detection"]
    assert all(detection["by_language"][language]["accuracy"] >= 0.95 for language in LANGUAGES)
    assert not detection["short_or_mixed_decided"]
    lines = safety_languages.summary_lines(figures)
    assert lines[0].startswith("language") and len(lines) >= 1 + len(LANGUAGES) + 2
