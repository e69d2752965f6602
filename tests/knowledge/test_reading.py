"""A patient's message is read once, and the reading says what it names and who the patient is."""
from __future__ import annotations

from knowledge.reading import read_message


def test_the_reading_names_conditions_services_places_and_the_patient():
    reading = read_message("My son is 7 and has leukemia, can he get a bone marrow transplant at SNUH?")
    assert "leukemia" in reading.conditions
    assert any(service.startswith("hsct") for service in reading.services)
    assert "snuh" in reading.hospitals
    assert reading.age_cue.age == 7 and reading.age_cue.is_child is True


def test_a_text_is_read_once_per_process():
    text = "does the pediatric hematology oncology division treat histiocytosis?"
    assert read_message(text) is read_message(text)
    assert "snuh_pediatric_hmo" in read_message(text).units


def test_an_empty_message_names_nothing():
    reading = read_message("")
    assert reading.matches == () and reading.conditions == () and reading.age_cue.age is None
