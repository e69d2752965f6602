"""The knowledge layer's explanations (message ids with names and units) in words."""
from __future__ import annotations

from knowledge.results import AsWritten, CategoryName, HospitalRef, UnitRef, sentence
from messages.explain import explain, with_article

UNIT = UnitRef("smc_gyn", "Gynecologic Cancer Center", "center", "Gynecologic Cancer Center", "smc",
               "Samsung Medical Center")
OTHER = UnitRef("snuh_onc", "Medical Oncology", "field", "Hematology-Oncology, Medical Oncology", "snuh",
                "Seoul National University Hospital")


def test_units_are_named_with_their_hospital_and_listed():
    text = explain([sentence("route.why.for_adult", condition="ovarian cancer", units=(UNIT, OTHER))])
    assert text == ("For an adult with ovarian cancer: Gynecologic Cancer Center (Samsung Medical Center); "
                    "Hematology-Oncology, Medical Oncology (Seoul National University Hospital).")


def test_what_a_condition_is_starts_with_a_capital_and_gives_english_its_article():
    text = explain([
        sentence("route.why.in_vocabulary", subject=AsWritten("womb cancer", "uterine cancer"),
                 category=CategoryName("gynecologic cancer"), scope="cancers of the female reproductive organs"),
        sentence("route.why.how_old"),
    ])
    assert text == ("Womb cancer (uterine cancer) is a gynecologic cancer (cancers of the female reproductive "
                    "organs). How old is the patient?")
    assert with_article("eye cancer") == "an eye cancer" and with_article("uveal melanoma") == "a uveal melanoma"


def test_a_place_is_a_hospital_or_a_unit_with_its_hospital():
    hospital = HospitalRef("smc", "Samsung Medical Center", "SMC", None)
    assert explain([sentence("availability.why.offered", place=hospital)]) == \
        "Yes, the pages say so for Samsung Medical Center."
    assert explain([sentence("availability.why.offered", place=UNIT)]) == \
        "Yes, the pages say so for Gynecologic Cancer Center (Samsung Medical Center)."


def test_a_routed_unit_is_one_line_with_who_it_is_for_when_that_matters():
    from actions.routing import describe_route
    from knowledge.results import Route

    assert describe_route(Route(UNIT, None, "It treats ovarian cancer.", None, ())) == \
        "**Gynecologic Cancer Center**, Samsung Medical Center: It treats ovarian cancer."
    assert describe_route(Route(OTHER, "adult", "It treats solid tumors.", None, ())) == \
        "**Hematology-Oncology, Medical Oncology**, Seoul National University Hospital (adults): It treats solid tumors."
