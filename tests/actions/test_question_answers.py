"""Topic answers at the level of the question (issue #12): the fact asked comes first, and the patient's
condition (or the conversation's route) narrows the facts to the units treating it."""
from __future__ import annotations

import asyncio

from actions.knowledge_answers import ActionAnswerFigures, ActionAnswerTopic
from tests.actions.conftest import entity, make_tracker, run_action

TRIALS_QUESTION = "my father, 72, has lung cancer, could he join a clinical trial?"


def first_fact(text: str) -> str:
    """The answer's first line: the fact that answers the question (no lead-in before it)."""
    return text.splitlines()[0]


def test_lung_cancer_trials_come_only_from_the_unit_treating_it():
    tracker = make_tracker(TRIALS_QUESTION, "ask_clinical_trials",
                           entities=[entity("condition", "lung cancer", message=TRIALS_QUESTION)])
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), tracker))
    assert reply.meta["unit_ids"] and set(reply.meta["unit_ids"]) <= {"snuh_hmo", "snuh_hmo_medical_oncology"}
    assert "13 joint" not in reply.text


def test_without_a_condition_every_unit_speaks():
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), make_tracker("any clinical trials?", "ask_clinical_trials")))
    assert "smc_gynecologic_cancer_center" in reply.meta["unit_ids"]


def test_the_route_of_the_conversation_narrows_a_later_topic_question():
    tracker = make_tracker("are there trials for her?", "ask_clinical_trials",
                           routed_unit_ids=["smc_gynecologic_cancer_center"])
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), tracker))
    assert reply.meta["unit_ids"] == ["smc_gynecologic_cancer_center"]


def test_the_asked_fact_leads_the_answer():
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), make_tracker(
        "how many mm is the skin piece they cut out for the biopsy?", "ask_skin_biopsy")))
    assert "2 to 4 mm" in first_fact(reply.text)


def test_the_asked_figure_leads_the_figures():
    reply, _ = asyncio.run(run_action(ActionAnswerFigures(), make_tracker(
        "how many children in korea get cancer each year?", "ask_figures")))
    assert "1,000 to 1,200" in first_fact(reply.text)


TWO_PART = "My husband is 58 with lung cancer. Where should he go, and can he join a clinical trial there?"


def test_a_second_question_beside_the_route_is_answered_for_that_unit_after_the_route():
    from actions.routing import ActionRoutePatient

    tracker = make_tracker(TWO_PART, "ask_route", entities=[entity("condition", "lung cancer", message=TWO_PART)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    texts = [m["text"] for m in reply.messages if m.get("text")]
    assert "Medical Oncology" in texts[0]
    assert "clinical trials" in texts[1] and "13 joint" not in texts[1]
    assert texts[-1].startswith("Would you like to send a referral inquiry")


def test_a_route_question_alone_gets_the_route_alone():
    from actions.routing import ActionRoutePatient

    question = "My husband is 58 with lung cancer, where should he go?"
    tracker = make_tracker(question, "ask_route", entities=[entity("condition", "lung cancer", message=question)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    assert len([m for m in reply.messages if m.get("text")]) == 1


def test_the_second_part_keeps_the_condition_of_the_first_and_comes_before_the_age_question():
    """"I have melanoma: which clinic, and how will they check it has not spread?" The route depends on
    the age, which is asked last; the second part is about the melanoma named in the first."""
    from actions.routing import ActionRoutePatient

    question = "There is a melanoma on my back. Which clinic should I see, and do they test whether it has spread?"
    tracker = make_tracker(question, "ask_route", entities=[entity("condition", "melanoma", message=question)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    texts = [m["text"] for m in reply.messages if m.get("text")]
    assert "Skin Cancer" in texts[0]
    assert "organs" in texts[1], texts
    assert "age" in texts[-1]


def test_a_question_about_the_unit_it_names_is_answered_from_that_units_facts():
    """A routing guess for "does pediatric hematology also see low platelets?": the unit's own facts answer."""
    from actions.routing import ActionRoutePatient

    question = "does the pediatric hematology oncology division also treat a low white cell count?"
    tracker = make_tracker(question, "ask_route", entities=[entity("condition", "leukopenia", "low white cell count",
                                                                   message=question)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    assert "leukopenia" in reply.text.splitlines()[0]
    assert reply.meta["unit_ids"] == ["snuh_pediatric_hmo"]


def test_a_routing_guess_with_nothing_to_route_on_is_answered_from_a_fact_that_answers_it():
    from actions.routing import ActionRoutePatient

    question = "what are the telephone numbers of KIMA? all of them please"
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), make_tracker(question, "ask_route")))
    assert "8991" in reply.text.splitlines()[0]
    assert reply.meta["topic"] == "facts" and reply.meta["sources"]


def test_the_condition_is_remembered_as_an_id_and_routed_on_again_without_reading_a_name():
    """"And for my daughter, she is 9?": the condition of the earlier turn, kept as its id, routed for a child."""
    from actions.routing import ActionHandlePatientInfo, ActionRoutePatient

    question = "my wife was told she has acute myeloid leukaemia, where should she go?"
    _, slots = asyncio.run(run_action(ActionRoutePatient(), make_tracker(
        question, "ask_route", entities=[entity("condition", "acute myeloid leukemia", "acute myeloid leukaemia",
                                                 message=question)])))
    assert slots["condition"] == "acute_myeloid_leukemia"
    reply, _ = asyncio.run(run_action(ActionHandlePatientInfo(), make_tracker(
        "and for my daughter, she is 9?", "inform_patient", condition=slots["condition"])))
    assert reply.meta["unit_ids"] and all(unit == "snuh_pediatric_hmo" for unit in reply.meta["unit_ids"])


def test_of_two_conditions_named_the_more_specific_is_routed_on():
    from knowledge.database import open_session
    from knowledge.queries import route_patient

    with open_session() as session:
        result = route_patient(session, "baby boy 1 year, a liver tumour they called hepatoblastoma")
    assert result.condition.id == "hepatoblastoma"


def test_a_topic_the_pages_leave_unsaid_for_the_condition_named_gets_the_unit_that_treats_it():
    """"Can I get chemotherapy for colon cancer in Seoul?": no page says so for that unit; the route does."""
    question = "is chemotherapy possible in Seoul for my brother's colon cancer?"
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), make_tracker(
        question, "ask_chemo_radiation", entities=[entity("condition", "colon cancer", message=question)])))
    texts = [m["text"] for m in reply.messages if m.get("text")]
    assert "don't say that for this condition" in texts[0]
    assert "Medical Oncology" in texts[1]
    assert reply.meta["topic"] == "route" and "snuh_hmo_medical_oncology" in reply.meta["unit_ids"]


# --- issue #12: the part asked before "and where should he go?", contacts, yes-or-no wording, kinds ---

def test_a_fact_asked_before_the_where_to_go_part_is_answered_after_the_route():
    """"How long is the certificate valid, and which hospital should she go to?": the second question
    is the part before the cue, not the request for a unit after it."""
    from actions.routing import ActionRoutePatient

    question = "My sister is 50 with ovarian cancer. How long is their surgery certificate valid, and where should she go?"
    tracker = make_tracker(question, "ask_route", entities=[entity("condition", "ovarian cancer", message=question)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    texts = [m["text"] for m in reply.messages if m.get("text")]
    assert "Gynecologic Cancer Center" in texts[0]
    assert any("five years" in text for text in texts[1:]), texts


def test_a_phone_number_asked_beside_the_route_gets_the_contact_lines():
    from actions.routing import ActionRoutePatient

    question = "My husband is 60 with lung cancer. Where should he go, and is there a phone number we can call?"
    tracker = make_tracker(question, "ask_route", entities=[entity("condition", "lung cancer", message=question)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    texts = [m["text"] for m in reply.messages if m.get("text")]
    assert "Medical Oncology" in texts[0]
    assert "8991" in reply.text and reply.text.index("Medical Oncology") < reply.text.index("8991")


def test_a_yes_or_no_question_without_a_question_word_first_is_answered_yes():
    from actions.fact_answers import asks_yes_or_no

    assert asks_yes_or_no("my father is 80. the skin center can do Mohs?")
    assert asks_yes_or_no("Do they do Mohs surgery?")
    assert not asks_yes_or_no("my father is 80. what is Mohs surgery?")


def test_where_in_the_country_and_which_team_ask_where_to_go():
    from actions.routing import WHERE_TO_GO

    assert WHERE_TO_GO.search("neuroblastoma in my son, where in Korea is it treated?")
    assert WHERE_TO_GO.search("which team will see her for the lymphoma?")
    assert not WHERE_TO_GO.search("which teams work with the division?")


def test_a_value_the_pages_do_not_give_is_said_so_instead_of_a_recital():
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), make_tracker(
        "how many Mohs procedures does the skin cancer center do a year?", "ask_mohs_surgery")))
    assert "don't say" in reply.text and "Mohs micrographic" not in reply.text
    assert any(b["payload"] == "/request_human" for b in reply.buttons)


def test_a_service_the_named_unit_never_mentions_is_said_so():
    reply, _ = asyncio.run(run_action(ActionAnswerTopic(), make_tracker(
        "is CAR-T therapy offered at the Samsung gynecologic cancer center?", "ask_car_t")))
    assert "don't say" in reply.text and "2022" not in reply.text


def test_a_kind_of_fact_asked_beside_a_condition_is_answered_from_its_units_not_routed():
    """Filed as a routing question, "since what year ..." asks a fact of the unit treating the condition."""
    from actions.routing import ActionRoutePatient

    question = "my nephew, 7, has leukemia. how many children get cancer in Korea each year?"
    tracker = make_tracker(question, "ask_route", entities=[entity("condition", "leukemia", message=question)])
    reply, _ = asyncio.run(run_action(ActionRoutePatient(), tracker))
    assert reply.meta["topic"] == "facts"
    assert "1,000 to 1,200" in reply.text.splitlines()[0]


def test_a_question_filed_as_figures_that_asks_no_figure_is_answered_as_a_topic():
    reply, _ = asyncio.run(run_action(ActionAnswerFigures(), make_tracker(
        "how often do I have to come back for checkups after the skin cancer operation?", "ask_figures")))
    assert "vary" in first_fact(reply.text)


def test_an_unsure_guess_naming_a_condition_is_answered_from_its_units_facts():
    """The classifier was unsure; the condition's units are few, so a fact that answers clearly enough for a
    unit named answers here too."""
    from actions.safety import ActionOfferTopics

    question = "my lymphoma returned, any chance of CAR-T there?"
    tracker = make_tracker(question, "nlu_fallback", confidence=0.4,
                           entities=[entity("condition", "non-Hodgkin lymphoma", "lymphoma", message=question)])
    reply, _ = asyncio.run(run_action(ActionOfferTopics(), tracker))
    assert "CAR-T" in reply.text.splitlines()[0]
    assert reply.meta["topic"] == "facts"


def test_a_unit_the_text_names_is_more_precise_than_a_hospital_entity():
    from actions.fact_answers import place_in_message
    from actions.store import query_store

    question = "my doctor wrote 'Skin Cancer Center' for me - is that part of SNUH?"
    tracker = make_tracker(question, "nlu_fallback", entities=[entity("hospital", "SNUH", message=question)])
    place = query_store(lambda session: place_in_message(tracker, session))
    assert place.id == "snuch_skin_cancer_center"
