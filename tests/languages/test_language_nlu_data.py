"""The per-language NLU data (languages/nlu/<code>/train.yml and test.yml, issue #15): every intent of the
domain in each language, held-out sentences never in training (nor near copies of the English data),
written in the language they claim, with entity annotations on token boundaries of the script-aware
tokenizer (nlu_components/script_tokenizer.py) that will read them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from languages import LANGUAGES
from languages.detection import detect_language
from nlu_components.script_tokenizer import ScriptAwareTokenizer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "languages" / "nlu"
WRITTEN = [code for code in LANGUAGES if code != "en"]
# held-out messages long enough for the detector to name a language
DETECTABLE_CHARS = 15


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


@pytest.fixture(scope="module")
def domain_intents() -> set[str]:
    return set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


@pytest.fixture(scope="module")
def tokenizer() -> ScriptAwareTokenizer:
    return ScriptAwareTokenizer.create(ScriptAwareTokenizer.get_default_config(), None, None, None)


def examples(code: str, part: str) -> TrainingData:
    return load_data(str(DATA_DIR / code / f"{part}.yml"))


@pytest.mark.parametrize("code", WRITTEN)
def test_every_intent_has_training_and_held_out_sentences(code, domain_intents):
    for part, least in (("train", 15), ("test", 5)):
        data = examples(code, part)
        per_intent = {intent: sum(1 for m in data.training_examples if m.get("intent") == intent)
                      for intent in domain_intents}
        assert set(data.intents) == domain_intents
        assert min(per_intent.values()) >= least, (part, min(per_intent, key=per_intent.get))


@pytest.mark.parametrize("code", WRITTEN)
def test_held_out_sentences_are_never_in_training(code):
    train = {_key(m.get(TEXT)) for m in examples(code, "train").training_examples}
    test = [m.get(TEXT) for m in examples(code, "test").training_examples]
    assert [text for text in test if _key(text) in train] == []
    assert len({_key(text) for text in test}) == len(test)  # and none twice


@pytest.mark.parametrize("code", WRITTEN)
def test_sentences_are_written_in_their_language(code):
    detectable = [m.get(TEXT) for m in examples(code, "test").training_examples if len(m.get(TEXT)) >= DETECTABLE_CHARS]
    named = [detect_language(text) for text in detectable]
    wrong = [text for text, language in zip(detectable, named) if language not in (code, None)]
    # a few are written in Latin letters on purpose (Arabizi, transliterated Mongolian or Russian)
    assert named.count(code) >= 0.85 * len(detectable), wrong[:10]


@pytest.mark.parametrize("code", WRITTEN)
def test_entity_annotations_fall_on_token_boundaries(code, tokenizer):
    for part in ("train", "test"):
        data = tokenizer.process_training_data(examples(code, part))
        misaligned = []
        for message in data.training_examples:
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
            misaligned += [(message.get(TEXT), e["value"]) for e in message.get("entities") or []
                           if e["start"] not in starts or e["end"] not in ends]
        assert misaligned == [], (part, misaligned[:5])


@pytest.mark.parametrize("code", WRITTEN)
def test_a_word_is_annotated_with_one_value_only(code):
    """Rasa turns each annotated word into a synonym of its value: two values for one word is a
    contradiction (and a warning `rasa data validate --fail-on-warnings` refuses)."""
    values: dict[str, set[str]] = {}
    for part in ("train", "test"):
        for message in examples(code, part).training_examples:
            for entity in message.get("entities") or []:
                written = message.get(TEXT)[entity["start"]:entity["end"]]
                values.setdefault(written, set()).add(entity["value"])
    assert {word: found for word, found in values.items() if len(found) > 1} == {}


@pytest.mark.parametrize("code", WRITTEN)
def test_the_safety_guard_agrees_with_the_emergency_sentences(code):
    """Every `emergency` sentence is a red flag the patterns recognise (and whose classifier `emergency`
    the guard keeps); no sentence of another intent is escalated by them."""
    from nlu_components.safety_guard import guarded_intent, keeps_classifier_emergency, load_patterns

    patterns = load_patterns()
    messages = [m for part in ("train", "test") for m in examples(code, part).training_examples]
    escalated = {m.get(TEXT): (guarded_intent(m.get(TEXT), patterns) or ("",))[0] == "emergency" for m in messages}
    emergencies = [m.get(TEXT) for m in messages if m.get("intent") == "emergency"]
    assert [text for text in emergencies if not escalated[text]] == []
    assert [text for text in emergencies if not keeps_classifier_emergency(text)] == []
    assert [m.get(TEXT) for m in messages if m.get("intent") != "emergency" and escalated[m.get(TEXT)]] == []
