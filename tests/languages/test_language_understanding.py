"""The trained model on every language's held-out NLU file (evaluation/languages_nlu.py): prints intent
accuracy, entity F1 and language detection per language beside English, and fails below a floor."""
from __future__ import annotations

import pytest

from evaluation.languages_nlu import evaluate, render_table
from languages import LANGUAGES
from tests.conftest import skip_or_fail
from tests.nlu.test_nlu_evaluation import newest_model

# Floors well under the measured figures (README, "Measured figures"), so that a real regression (a
# language's data left out of training, a tokenizer that cuts nothing) fails and a training's noise does not.
MIN_INTENT_ACCURACY = {"en": 0.86, "ko": 0.70, "ru": 0.68, "zh": 0.74, "mn": 0.65, "ar": 0.65}
# the share of held-out messages detected as their own language (what the bot answers in)
MIN_DETECTED = 0.85


@pytest.fixture(scope="module")
def figures() -> dict:
    model = newest_model()
    if model is None:
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    return evaluate(model)


def test_every_language_is_understood_above_its_floor(figures, capsys):
    with capsys.disabled():
        print("\nUnderstanding per language (held-out files, whole pipeline):")
        print("\n".join(f"  {line}" for line in render_table(figures)))
    assert set(figures) == set(LANGUAGES)
    below = {code: round(f["intent_accuracy"], 3) for code, f in figures.items()
             if f["intent_accuracy"] < MIN_INTENT_ACCURACY[code]}
    assert below == {}, below


def test_each_language_is_detected_as_itself(figures):
    assert {code: f["language_detected"] for code, f in figures.items() if f["language_detected"] < MIN_DETECTED} == {}
