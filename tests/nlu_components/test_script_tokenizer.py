"""The script-aware tokenizer: English exactly as WhitespaceTokenizer, Chinese by jieba, Korean by kiwipiepy
with nouns apart from their particles, offsets that slice the original text, Korean entity annotations
that align. (Run with -s to see the load times and per-message costs printed by the last test.)"""
from __future__ import annotations

from pathlib import Path

import pytest
import regex
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components import script_tokenizer
from nlu_components.script_tokenizer import ScriptAwareTokenizer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HAN_OR_HANGUL = regex.compile(r"[\p{Han}\p{Hangul}]")

# the other scripts the bot reads, written as patients write them: punctuation glued to words, digits,
# a code, Arabic with and without diacritics
OTHER_SCRIPTS = [
    "У моего сына лейкоз, куда нам обратиться?",
    "Сколько трансплантаций костного мозга делают в год? 2024-й",
    "Мама после химии, температура 38,5!!",
    "Миний хүүхэд цусны хорт хавдартай, аль эмнэлэгт хандах вэ?",
    "Ээж маань хими эмчилгээ хийлгэж байгаа, халуурч байна (39°)",
    "ابني مصاب بسرطان الدم، أين أذهب؟",
    "أُصِيبَ وَالِدِي بِسَرَطَانِ الرِّئَةِ... ماذا أفعل؟",
    "CAR-T therapy for my dad (62 y.o.) — possible? e-mail: a.b@example.com",
]


@pytest.fixture(scope="module")
def tokenizer() -> ScriptAwareTokenizer:
    return ScriptAwareTokenizer.create(ScriptAwareTokenizer.get_default_config(), None, None, None)


@pytest.fixture(scope="module")
def whitespace() -> WhitespaceTokenizer:
    return WhitespaceTokenizer.create(WhitespaceTokenizer.get_default_config(), None, None, None)


def tokens_of(tokenizer, text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.start, t.end) for t in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def texts_of(tokenizer, text: str) -> list[str]:
    return [token for token, _, _ in tokens_of(tokenizer, text)]


def english_training_examples() -> list[Message]:
    examples = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        examples += load_data(str(path)).training_examples
    return [e for e in examples if e.get(TEXT) and not HAN_OR_HANGUL.search(e.get(TEXT))]


def test_english_training_sentences_get_exactly_whitespace_tokenizers_tokens(tokenizer, whitespace):
    examples = english_training_examples()
    assert len(examples) > 500
    differing = [e.get(TEXT) for e in examples
                 if tokenizer.tokenize(e, TEXT) != whitespace.tokenize(e, TEXT)
                 # Token's equality compares text, offsets and lemma; the data too, to be sure
                 or [t.data for t in tokenizer.tokenize(e, TEXT)] != [t.data for t in whitespace.tokenize(e, TEXT)]]
    assert differing == []


def test_english_needs_no_analyser(tokenizer, monkeypatch):
    monkeypatch.setattr(script_tokenizer, "analyser", lambda script: pytest.fail(f"loaded {script}"))
    assert texts_of(tokenizer, "where should my son go for leukemia?") == \
        ["where", "should", "my", "son", "go", "for", "leukemia"]


@pytest.mark.parametrize("text", OTHER_SCRIPTS)
def test_russian_mongolian_arabic_split_like_whitespace_tokenizer(tokenizer, whitespace, text):
    assert tokens_of(tokenizer, text) == tokens_of(whitespace, text)
    assert len(tokens_of(tokenizer, text)) > 3


def test_chinese_is_split_into_words(tokenizer):
    assert texts_of(tokenizer, "我妈妈得了白血病，应该去哪个科室") == \
        ["我", "妈妈", "得", "了", "白血病", "应该", "去", "哪个", "科室"]


def test_korean_without_spaces_keeps_the_noun_apart_from_its_particles(tokenizer):
    tokens = texts_of(tokenizer, "우리아이가백혈병이에요")
    assert "백혈병" in tokens
    assert "아이" in tokens
    assert "".join(tokens) == "우리아이가백혈병이에요"
    # the same words with spaces give the same tokens
    assert texts_of(tokenizer, "우리 아이가 백혈병이에요") == tokens


def test_mixed_korean_and_latin_splits_the_latin_like_whitespace_tokenizer(tokenizer, whitespace):
    tokens = texts_of(tokenizer, "CAR-T 치료 가능한가요?")
    assert tokens[0] == "CAR-T" == texts_of(whitespace, "CAR-T therapy possible?")[0]
    assert "치료" in tokens and "가능" in tokens
    assert "?" not in "".join(tokens)
    assert texts_of(tokenizer, "남편이 CAR-T 받고 나서 체온이 39.4예요")[:4] == ["남편", "이", "CAR-T", "받"]
    assert "39.4" in texts_of(tokenizer, "남편이 CAR-T 받고 나서 체온이 39.4예요")
    assert texts_of(tokenizer, "急性髓系白血病能做CAR-T吗？")[-3:] == ["做", "CAR-T", "吗"]


def test_whitespace_tokenizer_alone_loses_the_korean_and_chinese_words(whitespace):
    """Why this component exists: Rasa 3.6's emoji pattern covers Hangul and Han, so their words are dropped."""
    assert texts_of(whitespace, "CAR-T 치료 가능한가요?") == ["CAR-T"]
    assert texts_of(whitespace, "우리 아이가 백혈병이에요") == ["우리 아이가 백혈병이에요"]


@pytest.mark.parametrize("text, expected", [
    ("我自己，52岁", ["我", "自己", "52", "岁"]),      # an age annotated as 52, after a Chinese comma
    ("我自己,52岁", ["我", "自己", "52", "岁"]),       # or an ASCII one
    ("零下-5度", ["零下", "-5", "度"]),                # a sign stays with its number
    ("电话+82-2-1234-5678吗", ["电话", "+82-2-1234-5678", "吗"]),
    ("《白血病》、“化疗”", ["白血病", "化疗"]),
    ("환자는 76세(만)입니다", ["환자", "는", "76", "세", "만", "입니다"]),
])
def test_chinese_and_korean_punctuation_separates_like_a_space(tokenizer, text, expected):
    assert texts_of(tokenizer, text) == expected


def test_fullwidth_letters_and_digits_are_kept_as_written(tokenizer):
    assert texts_of(tokenizer, "体温３９度怎么办") == ["体温", "３９", "度", "怎么办"]
    assert texts_of(tokenizer, "ＣＡＲ－Ｔ 치료") == ["ＣＡＲ－Ｔ", "치료"]


@pytest.mark.parametrize("text", [
    "我妈妈得了白血病，应该去哪个科室",
    "우리아이가백혈병이에요",
    "CAR-T 치료 가능한가요?",
    "항암치료 중인데 열이 39도예요!! 😢",
    "😀😀 백혈병(ALL)이에요 👍🏽아이가 했나요",
    "엄마가 위암 진단받았어요 ㅠㅠ 어느 병원으로 가야 하나요",
    "我爸爸在首尔아산병원 做了CAR-T，现在发烧39℃",
    "白血病?",
    "ㅋㅋ",
    *OTHER_SCRIPTS,
])
def test_offsets_slice_the_original_text_to_the_token(tokenizer, text):
    tokens = tokens_of(tokenizer, text)
    assert tokens
    assert all(text[start:end] == token and token.strip() == token and token for token, start, end in tokens)
    assert [start for _, start, _ in tokens] == sorted(start for _, start, _ in tokens)
    assert all(end <= next_start for (_, _, end), (_, next_start, _) in zip(tokens, tokens[1:]))


def test_a_korean_entity_annotation_aligns_with_the_tokens(tokenizer, recwarn):
    text = "우리아이가백혈병이에요"
    start = text.index("백혈병")
    entity = {"start": start, "end": start + 3, "value": "백혈병", "entity": "condition"}
    example = Message(data={TEXT: text, INTENT: "ask_route", ENTITIES: [entity]})
    data = tokenizer.process_training_data(TrainingData(training_examples=[example]))

    tokens = data.training_examples[0].get(TOKENS_NAMES[TEXT])
    assert entity["start"] in [t.start for t in tokens]
    assert entity["end"] in [t.end for t in tokens]
    # Rasa's own check warns of no misaligned annotation
    EntityExtractorMixin.check_correct_entity_annotations(data)
    assert not [w for w in recwarn if "Misaligned" in str(w.message)]


def test_a_chinese_entity_annotation_aligns_with_the_tokens(tokenizer, recwarn):
    text = "我妈妈得了白血病，应该去哪个科室"
    start = text.index("白血病")
    entity = {"start": start, "end": start + 3, "value": "白血病", "entity": "condition"}
    data = tokenizer.process_training_data(TrainingData(training_examples=[
        Message(data={TEXT: text, INTENT: "ask_route", ENTITIES: [entity]})]))
    EntityExtractorMixin.check_correct_entity_annotations(data)
    assert not [w for w in recwarn if "Misaligned" in str(w.message)]


def test_intents_are_split_on_the_symbol_when_asked(tokenizer):
    config = {**ScriptAwareTokenizer.get_default_config(), "intent_tokenization_flag": True,
              "intent_split_symbol": "+"}
    splitting = ScriptAwareTokenizer.create(config, None, None, None)
    example = Message(data={TEXT: "백혈병이에요", INTENT: "inform+ask_route"})
    splitting.process_training_data(TrainingData(training_examples=[example]))
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["inform", "ask_route"]

    example = Message(data={TEXT: "백혈병이에요", INTENT: "inform+ask_route"})
    tokenizer.process_training_data(TrainingData(training_examples=[example]))
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["inform+ask_route"]


def test_a_token_pattern_applies_to_every_script():
    config = {**ScriptAwareTokenizer.get_default_config(), "token_pattern": r"\d|\D{1,2}"}
    patterned = ScriptAwareTokenizer.create(config, None, None, None)
    assert texts_of(patterned, "abc12 조혈모세포이식39도 白血病") == \
        ["ab", "c", "1", "2", "조혈", "모", "세포", "이식", "3", "9", "도", "白血", "病"]


def test_process_tokenizes_messages_at_prediction(tokenizer):
    [message] = tokenizer.process([Message(data={TEXT: "아빠가 폐암4기래요"})])
    assert "폐암" in [t.text for t in message.get(TOKENS_NAMES[TEXT])]


def test_the_analysers_load_once_per_process_and_preload_when_asked(tmp_path, monkeypatch):
    first = script_tokenizer.analyser("hangul")
    assert script_tokenizer.analyser("hangul") is first
    other = ScriptAwareTokenizer.create(ScriptAwareTokenizer.get_default_config(), None, None, None)
    assert texts_of(other, "백혈병이에요")[0] == "백혈병" and script_tokenizer.analyser("hangul") is first

    # Rasa builds tokenizers with `load` (which calls `create`) in training and when a model is loaded
    loaded = []
    monkeypatch.setattr(script_tokenizer, "load_analysers", lambda: loaded.append(True))
    storage, resource = LocalModelStorage(tmp_path), Resource("tokenizer")
    ScriptAwareTokenizer.load(ScriptAwareTokenizer.get_default_config(), storage, resource, None)
    assert loaded == []
    ScriptAwareTokenizer.load({**ScriptAwareTokenizer.get_default_config(), "preload": True}, storage, resource,
                              None)
    assert loaded == [True]


def test_jiebas_cache_stays_in_the_temporary_directory():
    import tempfile

    segmenter = script_tokenizer.analyser("han")
    assert segmenter.tmp_dir == tempfile.gettempdir()
    assert not list(PROJECT_ROOT.glob("jieba*.cache"))


def test_print_load_time_and_per_message_cost():
    """No assertion on time (a shared machine): prints what the benchmark quotes (pytest -s)."""
    from evaluation import tokenizer_cost

    figures = tokenizer_cost.measure(repeat=1)
    # the analysers were loaded by the tests before: their load times are those of that first load
    figures["load"] = {script: {"seconds": seconds} for script, seconds in script_tokenizer.LOAD_SECONDS.items()}
    print("\n" + tokenizer_cost.report(figures))
    assert set(figures["per_message"]) == {"ko", "zh", "ru", "mn", "ar", "en"}


def test_the_project_pipeline_validates_with_this_tokenizer():
    """The project's wiring: Rasa's recipe builds and validates the graphs (nothing trained), and the
    tokenizer is preloaded with the model."""
    import yaml
    from rasa.engine.recipes.recipe import Recipe
    from rasa.engine.validation import validate
    from rasa.shared.data import TrainingType

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert "WhitespaceTokenizer" not in names
    model_config = Recipe.recipe_for_name(config["recipe"]).graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU)
    validate(model_config)
    [node] = [node for node in model_config.predict_schema.nodes.values() if node.uses is ScriptAwareTokenizer]
    assert node.config["preload"] is True
