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
