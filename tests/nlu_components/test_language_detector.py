"""The NLU's language of each message (nlu_components/language_detector.py): in the parse result, None
when undecided or a button payload, and never a change of intent."""
from __future__ import annotations

from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.language_detector import LANGUAGE_KEY, LanguageDetector


def parsed(text: str, entities: list[dict] | None = None, diet_languages: tuple[str, ...] = ("en",)) -> Message:
    message = Message(data={TEXT: text, ENTITIES: entities or []})
    message.set(INTENT, {"name": "greet", "confidence": 0.9})
    [message] = LanguageDetector(frozenset(diet_languages)).process([message])
    return message


def test_each_message_gets_its_language_in_the_parse_result():
    message = parsed("Здравствуйте, у мамы лимфома, куда обратиться?")
    assert message.get(LANGUAGE_KEY) == "ru"
    assert message.as_dict(only_output_properties=True)[LANGUAGE_KEY] == "ru"
    assert message.get(INTENT)["name"] == "greet"


def test_undecided_messages_and_button_payloads_get_none():
    assert parsed("KCR-2026-00417").get(LANGUAGE_KEY) is None
    assert parsed('/inform_patient{"relation": "mother"}').get(LANGUAGE_KEY) is None


def test_diets_english_trained_guesses_are_dropped_from_other_languages_and_the_matchers_kept():
    diet = {"entity": "hospital", "value": "إنه يريد", "extractor": "DIETClassifier"}
    matcher = {"entity": "service", "value": "car-t", "extractor": "KnowledgeTermExtractor"}
    assert parsed("أخي يقول إنه يريد علاج CAR-T", [diet, matcher]).get(ENTITIES) == [matcher]
    english = parsed("my brother wants CAR-T at Samsung", [diet, matcher])
    assert english.get(ENTITIES) == [diet, matcher]


def test_diets_guesses_are_kept_in_every_language_it_was_trained_on():
    diet = {"entity": "hospital", "value": "삼성서울병원", "extractor": "DIETClassifier"}
    korean = "우리 아버지가 삼성서울병원에서 진료를 받고 싶어 해요"
    assert parsed(korean, [diet], diet_languages=("en", "ko")).get(ENTITIES) == [diet]
    assert parsed(korean, [diet], diet_languages=("en",)).get(ENTITIES) == []
