"""How the forms read yes / no / change / cancel in the words patients use (actions/form_answers.py),
and which messages are a bare "send it"."""
from __future__ import annotations

import pytest

from actions.form_answers import FormAnswer, Kind, is_bare_confirmation, read_answer

YES, NO, CANCEL, UNCLEAR = (FormAnswer(kind) for kind in (Kind.YES, Kind.NO, Kind.CANCEL, Kind.UNCLEAR))


def change(field: str | None = None) -> FormAnswer:
    return FormAnswer(Kind.CHANGE, f"inquiry_{field}" if field else None)


# (what the patient wrote, what it means). Written as people answer, many in their second language.
PHRASINGS = [
    # yes
    ("yes", YES), ("Yes, that is correct", YES), ("yes, that's correct", YES), ("looks good, send it", YES),
    ("yes, no problem", YES), ("sure, go ahead", YES), ("that's right", YES), ("ok", YES), ("okay send", YES),
    ("I agree", YES), ("yes i agree to share it", YES), ("Agreed.", YES), ("correct", YES), ("all good!", YES),
    ("it’s all correct, thank you", YES), ("everything fine, no changes", YES), ("no problem, send it", YES),
    ("of course", YES), ("submit please", YES), ("y", YES), ("Да", YES), ("perfect, please send", YES),
    ("nothing to change, go ahead", YES),
    # no
    ("no", NO), ("nope", NO), ("I do not agree", NO), ("i dont agree", NO), ("no thanks", NO), ("not now", NO),
    ("I don't consent", NO), ("n", NO), ("please don't", NO), ("I disagree", NO), ("nah", NO),
    # change <field>
    ("no, change the phone", change("contact")), ("no wait, the age is wrong", change("age")),
    ("change the email", change("contact")), ("no change the email", change("contact")),
    ("the diagnosis should be melanoma", change("diagnosis")), ("wrong country", change("country")),
    ("ok but the phone number is wrong", change("contact")), ("fix the spelling of the name", change("patient_name")),
    ("change who is writing", change("writer")), ("yes, but the date of birth is wrong", change("age")),
    ("edit the travel plans", change("travel")), ("the e-mail has a typo", change("contact")),
    ("no, we also want a second opinion", change("wants")),
    # change, without saying which answer
    ("change it", change()), ("something is wrong", change()), ("that's not right", change()),
    # cancel
    ("cancel it", CANCEL), ("cancel", CANCEL), ("don't send", CANCEL), ("do not send it", CANCEL),
    ("I changed my mind", CANCEL), ("I don't want to send it yet", CANCEL), ("discard everything", CANCEL),
    # unclear: the form asks again rather than guess
    ("hmm", UNCLEAR), ("maybe later", UNCLEAR), ("I'm not sure", UNCLEAR), ("no, everything is correct", UNCLEAR),
    ("what happens next", UNCLEAR),
]


def test_the_table_is_large_and_covers_every_kind():
    assert len(PHRASINGS) >= 40
    assert {answer.kind for _, answer in PHRASINGS} == set(Kind)
    assert len({text for text, _ in PHRASINGS}) == len(PHRASINGS), "each phrasing once"


@pytest.mark.parametrize("text, expected", PHRASINGS)
def test_answers_are_read_as_patients_mean_them(text, expected):
    assert read_answer(text) == expected


@pytest.mark.parametrize("text", ["send it", "Send it please", "yes, send it", "ok send", "submit", "send my inquiry",
                                  "yes send it again"])
def test_bare_confirmations(text):
    assert is_bare_confirmation(text)


@pytest.mark.parametrize("text", ["send an inquiry for my father", "I want to send my records for a review",
                                  "no", "cancel", "yes, change the email", "send it to Samsung instead"])
def test_new_requests_and_other_answers_are_not_bare_confirmations(text):
    assert not is_bare_confirmation(text)
