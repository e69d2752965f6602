"""The custom actions against the real knowledge store built from the project's content."""
from __future__ import annotations

import asyncio

import pytest

from actions.knowledge_answers import ActionAnswerAvailability, ActionAnswerFigures, ActionAnswerTopic
from actions.routing import ActionHandlePatientInfo, ActionRefuseDiagnosis, ActionRoutePatient
from actions.safety import ActionDeclineOutOfScope, ActionEmergency, ActionOfferCoordinator, ActionOfferTopics
from tests.actions.conftest import entity, make_tracker, run_action

HMO_PAGE = "000_3640c03fd6599930.txt"
PEDIATRIC_PAGE = "001_2893836f267d3b1c.txt"
SKIN_PAGE = "002_d7306cf6c8f0948a.txt"
SMC_PAGE = "003_2b94a502dc15cabe.txt"


def run(action, tracker):
    return asyncio.run(run_action(action, tracker))


def test_child_with_leukemia_goes_to_pediatric_hematology_oncology():
    message = "my 7 year old daughter has leukemia"
    reply, slots = run(ActionRoutePatient(), make_tracker(message, "ask_route", [entity("condition", "leukemia", message=message)]))
    assert reply.meta["unit_ids"][0] == "snuh_pediatric_hmo"
    assert PEDIATRIC_PAGE in reply.text
    assert slots["age_group"] == "child" and slots["patient_age"] == 7.0
    assert slots["condition"] == "leukemia"


def test_adult_with_leukemia_goes_to_adult_hematology():
    reply, slots = run(ActionRoutePatient(), make_tracker("I'm 58 and I have leukaemia", "ask_route"))
    assert reply.meta["unit_ids"][0] == "snuh_hmo_hematology"
    assert HMO_PAGE in reply.text
    assert slots["age_group"] == "adult"


def test_unknown_age_asks_for_the_age_group_with_buttons():
    reply, slots = run(ActionRoutePatient(), make_tracker("where do we go for leukemia", "ask_route"))
    assert reply.meta["needs_age_group"] is True
    payloads = [b["payload"] for b in reply.buttons]
    assert '/inform_patient{"age_group": "child"}' in payloads and '/inform_patient{"age_group": "adult"}' in payloads
    assert slots["condition"] == "leukemia"


def test_age_group_button_reroutes_the_remembered_condition():
    tracker = make_tracker('/inform_patient{"age_group": "adult"}', "inform_patient",
                           [{"entity": "age_group", "value": "adult"}], condition="leukemia")
    reply, slots = run(ActionHandlePatientInfo(), tracker)
    assert reply.meta["unit_ids"][0] == "snuh_hmo_hematology"
    assert slots["age_group"] == "adult"


def test_what_about_my_son_reroutes_for_a_child():
    tracker = make_tracker("what about for my son? he's 10", "inform_patient", condition="lymphoma",
                           age_group="adult", patient_age=44.0)
    reply, slots = run(ActionHandlePatientInfo(), tracker)
    assert reply.meta["unit_ids"][0] == "snuh_pediatric_hmo"
    assert slots["patient_age"] == 10.0


def test_unlisted_cancers_go_by_category():
    lung, _ = run(ActionRoutePatient(), make_tracker("my father (70) has lung cancer", "ask_route"))
    assert lung.meta["unit_ids"][0] == "snuh_hmo_medical_oncology"
    cervix, _ = run(ActionRoutePatient(), make_tracker("my wife has cervical cancer", "ask_route"))
    assert cervix.meta["unit_ids"][0] == "smc_gynecologic_cancer_center"


def test_out_of_scope_condition_gets_no_unit():
    reply, slots = run(ActionRoutePatient(), make_tracker("I broke my leg, where should I go?", "ask_route"))
    assert reply.meta["unit_ids"] == [] and reply.meta["declined"] is True
    assert slots["condition"] is None


def test_route_without_a_condition_asks_for_one():
    reply, _ = run(ActionRoutePatient(), make_tracker("/ask_route", "ask_route"))
    assert "Which condition" in reply.text


def test_transplant_answer_lists_donor_types_with_figures_and_source():
    reply, slots = run(ActionAnswerTopic(), make_tracker("what transplants do you do", "ask_transplant"))
    text = reply.text.lower()
    for word in ("3,200", "1985", "sibling", "unrelated", "haploidentical", "cord blood"):
        assert word in text, word
    assert HMO_PAGE in reply.meta["sources"]
    assert slots["last_topic"] == "transplant" and slots["service"] == "hsct"


def test_transplant_answer_for_a_child_names_the_childrens_unit_not_the_adults():
    reply, slots = run(ActionAnswerTopic(), make_tracker("our 11 year old needs a stem cell transplant", "ask_transplant"))
    assert "snuh_pediatric_hmo" in reply.meta["unit_ids"]
    assert not {"snuh_hmo_hematology", "snuh_hmo_medical_oncology"} & set(reply.meta["unit_ids"]), reply.meta["unit_ids"]
    assert "Pediatric Hematology-Oncology" in reply.text and PEDIATRIC_PAGE in reply.meta["sources"]
    assert slots["age_group"] == "child" and slots["patient_age"] == 11.0


def test_transplant_answer_for_an_adult_names_the_adults_unit():
    reply, _ = run(ActionAnswerTopic(), make_tracker("I am 52, which transplants could I get?", "ask_transplant"))
    assert "snuh_pediatric_hmo" not in reply.meta["unit_ids"] and HMO_PAGE in reply.meta["sources"]


def test_car_t_answer_says_since_2022():
    reply, _ = run(ActionAnswerTopic(), make_tracker("do you have car-t", "ask_car_t"))
    assert "2022" in reply.text and HMO_PAGE in reply.text


@pytest.mark.parametrize("intent, expected_file, expected_words", [
    ("ask_skin_biopsy", SKIN_PAGE, ["2", "4 mm"]),
    ("ask_mohs_surgery", SKIN_PAGE, ["Mohs"]),
    ("ask_ovarian_surgery", SMC_PAGE, ["350"]),
    ("ask_certification", SMC_PAGE, ["2021"]),
    ("ask_pediatric_support", PEDIATRIC_PAGE, ["school", "shelter"]),
    ("ask_palliative_care", PEDIATRIC_PAGE, ["palliative"]),
    ("ask_clinical_trials", SMC_PAGE, ["13"]),
    ("ask_follow_up", SKIN_PAGE, ["checkups"]),
    ("ask_contact", SMC_PAGE, ["+82-43-713-8991"]),
])
def test_topic_answers_carry_their_facts_and_sources(intent, expected_file, expected_words):
    """A topic button ("/ask_mohs_surgery"): the topic's best facts, with their sources."""
    reply, _ = run(ActionAnswerTopic(), make_tracker(f"/{intent}", intent))
    assert expected_file in reply.meta["sources"], reply.text
    for word in expected_words:
        assert word.lower() in reply.text.lower(), (word, reply.text)


def test_topic_answer_filters_by_the_named_hospital():
    message = "what clinical trials are there at Samsung?"
    reply, slots = run(ActionAnswerTopic(), make_tracker(message, "ask_clinical_trials",
                                                         [entity("hospital", "Samsung", message=message)]))
    assert reply.meta["sources"] == [SMC_PAGE]
    assert slots["hospital"] == "smc"


def test_figures_follow_the_topic_in_context():
    reply, _ = run(ActionAnswerFigures(), make_tracker("how many of those do they do", "ask_figures",
                                                       last_topic="ovarian_surgery"))
    assert "350" in reply.text and reply.meta["sources"] == [SMC_PAGE]


def test_figures_without_context_still_cite():
    reply, _ = run(ActionAnswerFigures(), make_tracker("how many transplants", "ask_figures", last_topic="transplant"))
    assert "3,200" in reply.text


def test_availability_of_the_service_in_context():
    yes, _ = run(ActionAnswerAvailability(), make_tracker("is that available at SNUH?", "ask_availability",
                                                          service="car_t"))
    assert yes.meta["unit_ids"] and HMO_PAGE in yes.meta["sources"]
    not_said, _ = run(ActionAnswerAvailability(), make_tracker("and is that available at Samsung?",
                                                               "ask_availability", service="car_t"))
    assert "do not say" in not_said.text and not not_said.meta["unit_ids"]


def test_availability_without_a_service_asks_which():
    reply, _ = run(ActionAnswerAvailability(), make_tracker("is that available there?", "ask_availability"))
    assert "Which treatment" in reply.text


def test_diagnosis_refusal_names_the_unit_for_the_condition():
    reply, _ = run(ActionRefuseDiagnosis(), make_tracker("is my melanoma spreading?", "request_diagnosis"))
    assert reply.meta["unit_ids"][0] == "snuch_skin_cancer_center"


def test_emergency_is_flagged():
    reply, _ = run(ActionEmergency(), make_tracker("he can't breathe", "emergency"))
    assert reply.meta["emergency"] is True


def test_coordinator_offer_gives_the_public_contact_from_the_store():
    reply, _ = run(ActionOfferCoordinator(), make_tracker("a human please", "request_human"))
    assert "+82-43-713-8991" in reply.text and SMC_PAGE in reply.text
    assert any(b["payload"] == "/request_referral" for b in reply.buttons)


def test_out_of_scope_is_declined_with_a_coordinator_offer():
    reply, _ = run(ActionDeclineOutOfScope(), make_tracker("book a hotel", "out_of_scope"))
    assert reply.meta["declined"] is True and reply.meta["unit_ids"] == []
    assert any(b["payload"] == "/request_human" for b in reply.buttons)


def test_fallback_offers_the_likely_topics_as_buttons():
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_car_t", "confidence": 0.3},
               {"name": "greet", "confidence": 0.2}, {"name": "ask_transplant", "confidence": 0.1}]
    reply, _ = run(ActionOfferTopics(), make_tracker("that thing you said before??", "nlu_fallback", ranking=ranking))
    payloads = [b["payload"] for b in reply.buttons]
    assert payloads[:2] == ["/ask_car_t", "/ask_transplant"]
    assert "/greet" not in payloads
    assert reply.meta["declined"] is True


def test_fallback_answers_from_a_fact_that_clearly_answers_the_message():
    """The classifier was unsure; a fact of the store answers the words clearly: the fact, not a guess."""
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_pediatric_support", "confidence": 0.3}]
    reply, _ = run(ActionOfferTopics(), make_tracker("do kids get lessons at a hospital school during long stays?",
                                                     "nlu_fallback", ranking=ranking))
    assert reply.text.startswith("Besides medical care") or "hospital school" in reply.text.splitlines()[0]
    assert reply.meta["declined"] is False and PEDIATRIC_PAGE in reply.meta["sources"]


def test_low_confidence_with_a_known_condition_says_where_it_is_treated_and_still_offers_topics():
    message = "cervix cancer in a 41 yo woman"
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_ovarian_surgery", "confidence": 0.38},
               {"name": "request_referral", "confidence": 0.11}]
    tracker = make_tracker(message, "nlu_fallback", [entity("condition", "cervical cancer", "cervix cancer", message)],
                           ranking=ranking)
    reply, slots = run(ActionOfferTopics(), tracker)
    assert reply.meta["unit_ids"] == ["smc_gynecologic_cancer_center"] and not reply.meta.get("declined")
    assert SMC_PAGE in reply.text and slots["age_group"] == "adult"
    assert "/ask_ovarian_surgery" in [b["payload"] for b in reply.buttons]


def test_low_confidence_without_a_condition_only_offers_topics():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_route", "confidence": 0.38},
               {"name": "inform_patient", "confidence": 0.36}]
    reply, _ = run(ActionOfferTopics(), make_tracker("she is 41, what now", "nlu_fallback", ranking=ranking))
    assert reply.meta["declined"] is True and reply.meta["unit_ids"] == [] and reply.buttons


def test_patient_details_with_a_condition_route_the_condition_the_words_name():
    message = "cancer of the womb, the patient is 55"
    tracker = make_tracker(message, "inform_patient", [entity("condition", "cancer", message=message),
                                                       entity("age", "55", message=message)])
    reply, slots = run(ActionHandlePatientInfo(), tracker)
    assert reply.meta["unit_ids"] == ["smc_gynecologic_cancer_center"], reply.text
    assert slots["patient_age"] == 55.0


def test_words_that_share_nothing_with_the_topic_get_the_pages_dont_say_not_the_topic():
    """A guess of the classifier ("a nose job while I'm in Korea" as a support question) recites nothing."""
    reply, _ = run(ActionAnswerTopic(), make_tracker("I want a nose job while I'm in Korea", "ask_pediatric_support"))
    assert "don't say anything about that" in reply.text
    assert reply.meta["sources"] == [] and reply.meta["declined"] is True
