"""The message catalog: every id the code says exists, every message is said somewhere, and the
parameters of each message are the ones its callers fill in."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from actions.replies import TOPIC_BUTTONS
from actions.topics import TOPIC_OF_INTENT
from knowledge.not_in_pages import unanswered_kinds
from knowledge.routing import FOR_WHOM
from messages import UnknownMessage, catalog, placeholders, say
from referrals.access import ADMINISTRATOR_TASKS
from referrals.validation import TEXT_FIELDS, TEXT_PROBLEMS

PROJECT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("actions", "messages", "server", "console", "notifications", "referrals", "knowledge")
# what names a message id in the code: saying it, a sentence of the knowledge layer's explanations, or an
# error of the referrals package (its words are said where the person sees it)
SAYING = {"say", "sentence", "ReferralError", "ValidationError", "InvalidTransition", "NotPermitted", "__init__"}
NOT_PARAMETERS = {"locale", "field", "errors"}
# the ids the knowledge layer and the referrals package name (also outside calls, in constants)
ID_PREFIXES = ("route.why.", "availability.why.", "referral.", "console.")
ID = re.compile(r"[a-z_]+(\.[a-z_]+)+")
# the sentences that list units, each with a twin for when the pages name none (knowledge/routing.py)
LISTINGS = {"route.why.children_any_cancer": {"adult_age"}, "route.why.children": {"adult_age"},
            "route.why.adults": set()}
# ids made from a prefix and a value the code knows (a topic, an intent, a kind, an age group, who a route
# is for, whether a list of units is empty, a free-text field and what is wrong with it, an administrator's
# task), and the domain's responses (domain.yml, said by server/nlg.py)
DYNAMIC_PREFIXES = ("topic_button.", "topic_title.", "not_in_pages.kind.", "route.age_group.", "route.why.for_",
                    "route.why.no_unit_for_", *LISTINGS, "utter_", "referral.invalid.", "referral.administrators_only.")
# the referral inquiry and inquiry access flows: ids kept in tables (a form slot's question and quick replies,
# an answer to change, a way out of the status check) or made from a labelled answer (referrals.enums)
FORM_PREFIXES = ("inquiry.ask.", "access.ask.", "inquiry.reply.", "inquiry.change.", "access.exit.",
                 "inquiry.writer.", "inquiry.relation.", "inquiry.stage.", "inquiry.want.", "inquiry.status.")
DYNAMIC_PREFIXES += FORM_PREFIXES


def say_calls() -> list[tuple[str, str | None, set[str]]]:
    """(file, literal message id or None for an f-string, keyword parameters) of every say(...) and
    sentence(...) call."""
    calls = []
    for directory in CODE_DIRS:
        for path in (PROJECT / directory).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) \
                    if isinstance(node, ast.Call) else None
                if name in SAYING and node.args:
                    first = node.args[0]
                    literal = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
                    if name == "__init__" and not (literal and ID.fullmatch(literal)):
                        continue  # another class's constructor
                    keywords = {k.arg for k in node.keywords if k.arg and k.arg not in NOT_PARAMETERS}
                    calls.append((str(path.relative_to(PROJECT)), literal, keywords))
    return calls


def named_ids() -> set[str]:
    """Every whole string in the code that names an id of the knowledge layer or the referrals package
    (f-strings' pieces left out): in calls and in constants such as validation's `_EMAIL_MESSAGE`."""
    found = set()
    for directory in CODE_DIRS:
        for path in (PROJECT / directory).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            pieces = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
            found |= {node.value for node in ast.walk(tree)
                      if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in pieces
                      and node.value.startswith(ID_PREFIXES) and ID.fullmatch(node.value)}
    return found - set(LISTINGS)  # the stems of the listing sentences' ids


def test_every_id_the_knowledge_layer_and_the_referrals_name_exists():
    named = named_ids()
    assert len(named) > 40
    assert named <= set(catalog()), sorted(named - set(catalog()))


def test_every_literal_id_exists_and_gets_exactly_its_parameters():
    calls = [call for call in say_calls() if call[1] is not None]
    assert len(calls) > 30  # the scan finds the calls (a broken scan would pass vacuously)
    for path, message_id, keywords in calls:
        assert message_id in catalog(), (path, message_id)
        assert keywords == placeholders(message_id), (path, message_id, keywords)


def test_every_message_is_said_somewhere():
    literal = {message_id for _, message_id, _ in say_calls() if message_id} | named_ids()
    unused = [m for m in catalog() if m not in literal and not m.startswith(DYNAMIC_PREFIXES)]
    assert not unused, unused


def test_every_dynamic_id_the_code_can_make_exists():
    ids = set(catalog())
    assert {f"topic_button.{intent}" for intent in TOPIC_BUTTONS} <= ids
    assert {f"topic_title.{topic}" for topic in TOPIC_OF_INTENT.values()} <= ids
    assert {f"not_in_pages.kind.{kind.id}" for kind in unanswered_kinds()} <= ids
    assert {"route.age_group.child", "route.age_group.adult"} <= ids
    for whom in FOR_WHOM.values():
        assert placeholders(f"route.why.for_{whom}") == {"condition", "units"}
        assert placeholders(f"route.why.no_unit_for_{whom}") == {"condition"}
    for field in TEXT_FIELDS:
        assert {f"referral.invalid.{field}.{problem}" for problem in TEXT_PROBLEMS} <= ids
        assert placeholders(f"referral.invalid.{field}.too_long") == {"max_length"}
    assert {"referral.invalid.patient_name.no_letters", "referral.invalid.writer_name.no_letters"} <= ids
    assert {f"referral.administrators_only.{task}" for task in ADMINISTRATOR_TASKS} <= ids
    for listing, params in LISTINGS.items():
        assert placeholders(f"{listing}.units") == params | {"units"}
        assert placeholders(f"{listing}.no_unit") == params and f"{listing}.no_unit" in ids


def domain_responses() -> dict[str, list[dict]]:
    return yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def test_the_domains_responses_are_message_ids_of_the_catalog():
    """domain.yml keeps each response's name and payloads; its words are the catalog's (server/nlg.py)."""
    said = set()
    for name, variations in domain_responses().items():
        for variation in variations:
            assert variation["text"] == name, name
            said |= {variation["text"], *(button["title"] for button in variation.get("buttons", []))}
    assert said <= set(catalog()), sorted(said - set(catalog()))
    assert all(placeholders(message_id) == set() for message_id in said)
    left_over = [m for m in catalog() if m.startswith("utter_") and m not in said]
    assert not left_over, left_over


def test_messages_are_complete_sentences_with_well_formed_parameters():
    for message_id, text in catalog().items():
        assert text.strip() == text and text, message_id
        assert all(re.fullmatch(r"[a-z_]+", name) for name in placeholders(message_id)), message_id


def test_an_unknown_id_is_an_error_not_an_empty_reply():
    with pytest.raises(UnknownMessage):
        say("no.such.message")


def test_parameters_are_filled_in_and_a_missing_locale_falls_back_to_english():
    assert say("answer.as_of", date="2021-10-08") == "(as of 2021-10-08)"
    assert say("answer.as_of", locale="xx", date="2021-10-08") == "(as of 2021-10-08)"
    assert catalog("xx") == {}


def test_every_id_the_referral_and_access_flows_make_exists_and_none_is_left_over():
    from actions.inquiry_access_outcomes import EXIT_MESSAGE
    from actions.inquiry_questions import QUESTIONS
    from actions.referral_form import CHANGE_MESSAGE, LABELLED
    from referrals.enums import Status

    made = {question for question, _ in QUESTIONS.values()}
    made |= {title for _, replies in QUESTIONS.values() for title, _ in replies}
    made |= set(CHANGE_MESSAGE.values()) | set(EXIT_MESSAGE.values())
    labels = {f"inquiry.{kind}.{member.value}": member.label for kind, enum in LABELLED.items() for member in enum}
    labels |= {f"inquiry.status.{status.value}": status.label for status in Status}
    made |= set(labels)
    assert made <= set(catalog()), sorted(made - set(catalog()))
    assert all(placeholders(message_id) == set() for message_id in made)
    left_over = [m for m in catalog() if m.startswith(FORM_PREFIXES) and m not in made]
    assert not left_over, left_over
    # the English labels are the referrals package's own, which the form also reads back (Enum.parse)
    assert {message_id: say(message_id) for message_id in labels} == labels
