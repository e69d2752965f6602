"""Messages of unknown words fall back; anything with a known word or a recognised term does not."""
from __future__ import annotations

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.unknown_words import UnknownWordsFallback


def trained(tmp_path) -> UnknownWordsFallback:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("unknown_words")
    component = UnknownWordsFallback.create(UnknownWordsFallback.get_default_config(), storage, resource, None)
    data = TrainingData(training_examples=[
        Message(data={TEXT: "where should my son go for leukemia", INTENT: "ask_route"}),
        Message(data={TEXT: "thanks a lot", INTENT: "thank"}),
    ])
    component.train(data)
    return UnknownWordsFallback.load(UnknownWordsFallback.get_default_config(), storage, resource, None)


def parsed(text: str, entities=None) -> Message:
    message = Message(data={TEXT: text, ENTITIES: entities or []})
    message.set(INTENT, {"name": "stop", "confidence": 0.54})
    message.set(INTENT_RANKING_KEY, [{"name": "stop", "confidence": 0.54}, {"name": "ask_route", "confidence": 0.2}])
    return message


def test_unknown_words_fall_back_after_a_save_and_load(tmp_path):
    [message] = trained(tmp_path).process([parsed("blorp zzkx qwv")])
    assert message.get(INTENT) == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)][:3] == ["nlu_fallback", "stop", "ask_route"]


def test_a_known_word_a_single_word_or_a_recognised_term_keep_the_intent(tmp_path):
    component = trained(tmp_path)
    term = [{"entity": "condition", "value": "neuroblastoma", "extractor": "KnowledgeTermExtractor"}]
    messages = component.process([parsed("thanks zzkx"), parsed("qwv"), parsed("neuroblastma qqq", term),
                                  parsed('/ask_route')])
    assert [m.get(INTENT)["name"] for m in messages] == ["stop", "stop", "stop", "stop"]


def test_words_are_read_as_the_tokenizer_cuts_them(tmp_path):
    """Korean written without spaces is known when its noun is ("백혈병이에요" is 백혈병 + an ending)."""
    from rasa.nlu.constants import TOKENS_NAMES

    from nlu_components.script_tokenizer import ScriptAwareTokenizer

    tokenizer = ScriptAwareTokenizer.create(ScriptAwareTokenizer.get_default_config(), None, None, None)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("unknown_words")
    component = UnknownWordsFallback.create(UnknownWordsFallback.get_default_config(), storage, resource, None)
    example = Message(data={TEXT: "아이가 백혈병 진단을 받았어요", INTENT: "ask_route"})
    tokenizer.process_training_data(TrainingData(training_examples=[example]))
    component.train(TrainingData(training_examples=[example]))
    known, unknown = parsed("우리아이백혈병이에요 도와주세요"), parsed("블라블라 쿼크쿼크")
    tokenizer.process([known, unknown])
    assert known.get(TOKENS_NAMES[TEXT]) and "백혈병" in [t.text for t in known.get(TOKENS_NAMES[TEXT])]
    component.process([known, unknown])
    assert known.get(INTENT)["name"] == "stop"
    assert unknown.get(INTENT)["name"] == "nlu_fallback"


def test_a_message_that_is_only_an_email_address_says_no_intent(tmp_path):
    """Its parts are known words ("someone", "else"), but a guess from them once ended a status check."""
    component = trained(tmp_path)
    messages = component.process([parsed("go.someone.else@example.com"), parsed(" leukemia.help@my-mail.org. "),
                                  parsed("my email is go@example.com, where should my son go")])
    assert [m.get(INTENT)["name"] for m in messages] == ["nlu_fallback", "nlu_fallback", "stop"]
