"""The knowledge-store term extractor: the matcher's conditions, services, ages and relations in place of DIET's,
with the store's spans and canonical values; DIET's places and relations kept."""
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


def test_diets_condition_is_replaced_not_duplicated():
    text = "my son has leukaemia"
    diet_condition = [{"entity": "condition", "start": 11, "end": 20, "value": "leukaemia", "extractor": "DIETClassifier"}]
    entities = extract(text, diet_condition)
    conditions = [e for e in entities if e["entity"] == "condition"]
    assert len(conditions) == 1
    assert conditions[0]["extractor"] == "KnowledgeTermExtractor" and conditions[0]["value"] == "leukemia"
    assert any(e["entity"] == "relation" for e in entities)


def test_button_payloads_are_not_touched():
    assert extract('/inform_patient{"age_group": "child"}') == []


def diet(text: str, word: str, entity: str, value: str | None = None) -> dict:
    """An entity as DIET would tag `word` in `text`."""
    start = text.index(word)
    return {"entity": entity, "start": start, "end": start + len(word), "value": value or word,
            "extractor": "DIETClassifier"}


def test_a_number_that_is_not_said_as_an_age_is_dropped():
    """DIET tags "3" in "3 weeks ago" as an age; routing the mother as a 3-year-old would be wrong."""
    text = "my mother was diagnosed with leukemia 3 weeks ago, where should she go?"
    entities = extract(text, [diet(text, "mother", "relation"), diet(text, "leukemia", "condition"),
                              diet(text, "3", "age")])
    assert not [e for e in entities if e["entity"] == "age"]
    assert {e["entity"] for e in entities} == {"relation", "condition"}


def test_an_age_said_as_an_age_is_the_number_whatever_diet_tagged():
    text = "my son is 7 and has leukemia"
    for tagged in ([], [diet(text, "7", "age")], [diet(text, "son is 7", "age")]):
        ages = [(e["start"], e["end"], e["value"]) for e in extract(text, tagged) if e["entity"] == "age"]
        assert ages == [(text.index("7"), text.index("7") + 1, "7")], tagged


def test_words_the_store_does_not_know_are_not_conditions_or_services():
    text = "I have a mole on my shoulder that keeps changing colour"
    entities = extract(text, [diet(text, "mole", "condition", "suspicious mole or skin spot"),
                              diet(text, "changing", "condition")])
    assert [(e["entity"], e["value"]) for e in entities] == [("condition", "suspicious mole or skin spot")]


def test_a_name_of_several_words_is_one_entity_whatever_diet_tagged():
    """DIET's span of a multi-word name wobbles between trainings ("biopsy" or "skin biopsy", "cord blood"
    and "transplant"); the entities must not."""
    cases = {
        "what happens in a skin biopsy, is it painful?": (["biopsy"], ["skin biopsy"], ["skin", "biopsy"]),
        "is cord blood transplant possible for my son?": (["cord blood", "transplant"], ["cord blood transplant"],
                                                          ["transplant"]),
    }
    for text, taggings in cases.items():
        outputs = [extract(text, [diet(text, word, "service") for word in words]) for words in taggings + ([],)]
        services = [[(text[e["start"]:e["end"]], e["value"]) for e in out if e["entity"] == "service"]
                    for out in outputs]
        assert len(services[0]) == 1 and all(found == services[0] for found in services), (text, services)
    assert services[0] == [("cord blood transplant", "umbilical cord blood transplant")]


def test_relations_are_the_matchers_with_the_relation_id_as_value():
    """DIET's value is the word as written ("babies"); the matcher's is the relation ("baby")."""
    text = "does SNUH do cord blood transplants for babies? my mum asks"
    entities = extract(text, [diet(text, "babies", "relation"), diet(text, "mum", "relation"),
                              diet(text, "SNUH", "hospital", "Seoul National University Hospital")])
    assert [(e["entity"], text[e["start"]:e["end"]], e["value"]) for e in entities if e["entity"] != "service"] == [
        ("hospital", "SNUH", "Seoul National University Hospital"), ("relation", "babies", "baby"),
        ("relation", "mum", "mother")]


def test_a_diet_entity_of_the_wrong_kind_gives_way_to_the_store():
    text = "is cord blood transplant possible for my son?"
    entities = extract(text, [diet(text, "cord blood", "condition")])
    assert [(e["entity"], e["value"]) for e in entities if e["entity"] != "relation"] == [
        ("service", "umbilical cord blood transplant")]


def test_places_are_kept_whether_the_store_knows_them_or_not():
    for text, place in [("what is the Pediatric Hematology-Oncology division known for?",
                         "Pediatric Hematology-Oncology division"),
                        ("do you work with Asan Medical Center?", "Asan Medical Center")]:
        assert extract(text, [diet(text, place, "hospital")]) == [diet(text, place, "hospital")]


def test_added_entities_span_what_the_training_data_annotates():
    """"my [5](age) year old", "she is [7](age)", "my [son](relation)": the number and the relation word."""
    for text, entity, span in [("my 5 year old has leukemia", "age", "5"), ("my daughter is seven", "age", "seven"),
                               ("my son has leukemia", "relation", "son"), ("our baby has a tumor", "relation", "baby")]:
        [found] = [e for e in extract(text) if e["entity"] == entity]
        assert text[found["start"]:found["end"]] == span, (text, found)
