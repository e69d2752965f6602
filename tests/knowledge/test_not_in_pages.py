"""The kinds of question the hospitals' pages never answer: what is recognised as one, what is not (a
question the pages do answer must never get "the pages don't say"), and that the pages still say nothing
of each kind."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.not_in_pages import about_care, kind_not_in_pages, unanswered_kinds

SOURCES = Path(__file__).resolve().parents[2] / "knowledge" / "sources"

# Written for this test (none is an NLU training or test example).
ASKED = [
    ("what does the Mohs operation usually cost?", "cost"),
    ("how much money should we bring for six months of leukemia treatment", "cost"),
    ("are the prices different for foreign patients", "cost"),
    ("how long do patients wait for a bed in the transplant ward?", "waiting_time"),
    ("how quickly can my wife be seen by the gynecologic team", "waiting_time"),
    ("what percentage of children survive neuroblastoma at SNUH?", "outcomes"),
    ("how many patients relapse after CAR-T", "outcomes"),
    ("what is the cure rate of their ovarian surgery", "outcomes"),
    ("can my Kazakh insurance be used at the hospital", "insurance"),
    ("who is the chief of the skin cancer centre", "doctors"),
    ("please give me the names of the hematologists", "doctors"),
    ("what street is Samsung Medical Center on?", "address"),
    ("which subway station is nearest to SNUH", "address"),
    ("does the hospital help with the medical visa for Mongolia", "visa"),
    ("how much does it cost to rent an apartment near the children's hospital", "accommodation_cost"),
    ("price per night of a guest house close to SMC", "accommodation_cost"),
    ("where do visitors leave the car, is there a car park?", "parking"),
    ("will a translator be with us when we see the doctor", "interpreters"),
    ("is the international office open on Sundays", "opening_hours"),
    ("how many nights will my daughter be kept in the hospital after surgery", "hospital_stay"),
    ("can the ward give vegetarian meals", "food"),
    ("what is the number of beds in the transplant unit", "beds"),
    ("does the hematology team use ponatinib for my CML?", "drug_names"),
    ("can my wife get pembrolizumab there", "drug_names"),
    ("are they in the KEYNOTE-A18 study for cervical cancer?", "named_trials"),
    ("is there carbon-ion therapy for sarcoma", "unnamed_treatments"),
    ("is the hospital accredited internationally?", "accreditation"),
    ("how many weeks until the hospital replies with a plan?", "waiting_time"),
    ("please recommend a hotel close to the cancer center", "accommodation_cost"),
    ("I want a female gynecologist for my operation", "doctors"),
]
ANSWERED_BY_THE_PAGES = [
    "how many stem cell transplants has the division done?",
    "since when does SNUH give CAR-T?",
    "is there help with costs for families of children with cancer?",
    "we can't afford the stay, is there a charity or shelter for parents?",
    "which departments work with the hematologists?",
    "which specialists will see my son, only oncologists or surgeons too?",
    "my mother has lymphoma, will she survive?",
    "what is her survival chance with this myeloma",
    "where should my husband go for stomach cancer?",
    "what is the email address of the international office",
    "who performs the skin biopsy",
    "how much tissue do they take in a skin biopsy?",
    "what happens if the cancer comes back after treatment?",
    "does SNUH do CAR-T trials for lymphoma?",
    "how long is the ESGO accreditation of the ovarian surgery certificate valid?",
    "is targeted therapy used for EGFR mutation lung cancer?",
    "my husband is in the hospital near COVID-19 patients, is chemo safe?",
]


@pytest.mark.parametrize(("text", "kind"), ASKED)
def test_a_question_of_an_unanswered_kind_is_recognised(text, kind):
    assert kind_not_in_pages(text) == kind


@pytest.mark.parametrize("text", ANSWERED_BY_THE_PAGES)
def test_a_question_the_pages_answer_or_a_personal_prognosis_is_not_taken_for_one(text):
    assert kind_not_in_pages(text) is None


def test_about_care_separates_a_hospital_price_from_an_everyday_one():
    assert about_care("how much is the surgery at the hospital")
    assert not about_care("how much is my phone bill this month")


def test_the_seed_pages_still_say_nothing_of_each_kind():
    """If a seed page starts giving prices, addresses or success rates, this fails: that kind must then
    be answered from the store and taken out of vocabulary/not_in_pages.yml."""
    pages = {path.name: path.read_text(encoding="utf-8").casefold() for path in SOURCES.glob("*.txt")}
    assert len(pages) == 4
    found = [(kind.id, word, name) for kind in unanswered_kinds() for word in kind.evidence
             for name, text in pages.items() if word.casefold() in text]
    assert found == []
