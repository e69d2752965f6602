"""The knowledge-store term extractor adds what DIET missed, with the store's canonical values."""
from __future__ import annotations

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.matcher import get_matcher
from nlu_components.knowledge_terms import KnowledgeTermExtractor


def extract(text: str, entities: list[dict] | None = None) -> list[dict]:
    message = Message(data={TEXT: text, ENTITIES: entities or []})
    [processed] = KnowledgeTermExtractor(get_matcher()).process([message])
    return processed.get(ENTITIES)


def test_misspelled_condition_age_and_relation_are_found_with_offsets():
    text = "my 4 year old daughter has neuroblastma"
    found = {e["entity"]: e for e in extract(text)}
    assert found["condition"]["value"] == "neuroblastoma"
    assert text[found["condition"]["start"]:found["condition"]["end"]] == "neuroblastma"
    assert found["age"]["value"] == "4"
    assert found["relation"]["value"] == "daughter"


def test_services_and_places_get_canonical_names():
    found = {e["entity"]: e["value"] for e in extract("is CAR-T available at Samsung?")}
    assert found == {"service": "CAR-T cell therapy", "hospital": "Samsung Medical Center"}


def test_what_diet_already_found_is_kept_not_duplicated():
    text = "my son has leukaemia"
    diet = [{"entity": "condition", "start": 11, "end": 20, "value": "leukemia", "extractor": "DIETClassifier"}]
    entities = extract(text, diet)
    conditions = [e for e in entities if e["entity"] == "condition"]
    assert len(conditions) == 1 and conditions[0]["extractor"] == "DIETClassifier"
    assert any(e["entity"] == "relation" for e in entities)


def test_button_payloads_are_not_touched():
    assert extract('/inform_patient{"age_group": "child"}') == []
