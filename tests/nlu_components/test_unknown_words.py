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
