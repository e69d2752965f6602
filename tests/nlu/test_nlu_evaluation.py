"""The trained model on the held-out NLU test file (tests/nlu/test_nlu.yml, which shares no sentence with
the training data): prints intent and entity precision, recall and F1 (per extractor as Rasa scores them,
and merged as the actions receive them), and fails below a floor."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
TEST_FILE = ROOT / "tests" / "nlu" / "test_nlu.yml"
# Floors well under the measured figures (README), so a real regression fails and noise does not.
MIN_INTENT_F1 = 0.80
MIN_ENTITY_F1 = 0.70


def newest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    model = newest_model()
    if model is None:
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    out = tmp_path_factory.mktemp("nlu-eval")
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "test", "nlu", "--nlu", str(TEST_FILE), "--model", str(model),
         "--out", str(out), "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return out


def averages(report: dict) -> dict[str, float]:
    weighted = report["weighted avg"]
    return {"precision": weighted["precision"], "recall": weighted["recall"], "f1": weighted["f1-score"]}


def test_held_out_intent_and_entity_scores(reports, capsys):
    intent = averages(json.loads((reports / "intent_report.json").read_text()))
    entity_reports = {path.name.removesuffix("_report.json"): averages(json.loads(path.read_text()))
                      for path in sorted(reports.glob("*_report.json"))
                      if path.name not in ("intent_report.json", "response_selection_report.json")}
    with capsys.disabled():
        print(f"\nHeld-out NLU ({TEST_FILE.relative_to(ROOT)}), weighted averages:")
        print(f"  intents                 precision {intent['precision']:.3f}  recall {intent['recall']:.3f}"
              f"  F1 {intent['f1']:.3f}")
        for extractor, scores in entity_reports.items():
            print(f"  entities ({extractor:<22}) precision {scores['precision']:.3f}  recall {scores['recall']:.3f}"
                  f"  F1 {scores['f1']:.3f}")
    assert intent["f1"] >= MIN_INTENT_F1, intent
    # Rasa scores each extractor alone against every annotation; here they divide the work (the term
    # matcher's conditions, services, ages and relations, DIET's places), so the entity floor is on
    # their merged output, below.
    assert set(entity_reports) >= {"DIETClassifier", "KnowledgeTermExtractor"}, entity_reports


def test_entities_as_the_bot_outputs_them(capsys):
    """Rasa scores each extractor alone; the actions get the pipeline's merged output (the term matcher's
    conditions, services, ages and relations, DIET's places). Scored entity by entity: type and span."""
    from evaluation.entities import evaluate

    model = newest_model()
    if model is None:
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    figures = evaluate(model, TEST_FILE)
    micro = figures["micro"]
    with capsys.disabled():
        print(f"\nEntities as the bot outputs them ({figures['messages']} held-out messages), exact type and span:")
        print(f"  all entities            precision {micro['precision']:.3f}  recall {micro['recall']:.3f}"
              f"  F1 {micro['f1']:.3f}  ({micro['support']} annotated)")
        for entity, scores in figures["per_entity"].items():
            print(f"  {entity:<23} precision {scores['precision']:.3f}  recall {scores['recall']:.3f}"
                  f"  F1 {scores['f1']:.3f}  ({scores['support']})")
    assert micro["support"] > 0 and micro["f1"] >= MIN_ENTITY_F1, figures
