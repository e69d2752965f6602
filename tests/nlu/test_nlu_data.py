"""Checks on the NLU training data (data/nlu/) and the held-out NLU test file (tests/nlu/test_nlu.yml).

- every intent the domain and stories rely on has enough training examples and test messages;
- no test message is also a training example (compared case-, whitespace- and punctuation-insensitively);
- every entity annotation parses into a known entity type and lines up with the tokenizer's tokens;
- conditions, services, ages and relations are annotated as the pipeline's extractor of record (the knowledge
  store's term matcher) reads them, in the NLU data and in the test stories;
- inquiry references have the documented format.
"""
from __future__ import annotations

import logging
import re
import string
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "data" / "nlu"
TEST_FILE = ROOT / "tests" / "nlu" / "test_nlu.yml"

INTENTS = [
    "greet", "goodbye", "thank", "bot_challenge", "ask_capabilities", "affirm", "deny",
    "ask_route", "inform_patient", "ask_transplant", "ask_car_t", "ask_clinical_trials",
    "ask_targeted_therapy", "ask_chemo_radiation", "ask_skin_biopsy", "ask_mohs_surgery",
    "ask_melanoma", "ask_skin_side_effects", "ask_ovarian_surgery", "ask_certification",
    "ask_pediatric_support", "ask_palliative_care", "ask_team", "ask_follow_up", "ask_contact",
    "ask_about_hospital", "ask_figures", "ask_availability", "ask_not_in_pages", "request_diagnosis", "emergency",
    "request_human", "out_of_scope", "request_referral", "check_inquiry_status", "delete_my_data",
    "stop",
]
ENTITIES = {"condition", "service", "hospital", "age", "relation", "reference"}

MIN_TRAIN = 25
MIN_TRAIN_HARD = {"ask_route": 60, "inform_patient": 40, "emergency": 50, "request_diagnosis": 35,
                  "out_of_scope": 300}
MIN_TEST = 8
MIN_TEST_HARD = {"ask_route": 15, "emergency": 15, "out_of_scope": 15, "request_diagnosis": 15}

REFERENCE = re.compile(r"^KR-[0-9A-HJKMNP-TV-Z]{10}$", re.IGNORECASE)
_PUNCTUATION = str.maketrans("", "", string.punctuation + "’‘“”")


def normalise(text: str) -> str:
    """Lower case, punctuation removed, whitespace collapsed."""
    return " ".join(text.lower().translate(_PUNCTUATION).split())


def _load(path: Path):
    from rasa.shared.nlu.training_data.loading import load_data

    logging.getLogger("rasa").setLevel(logging.ERROR)
    return load_data(str(path))


@pytest.fixture(scope="module")
def train():
    return _load(TRAIN_DIR)


@pytest.fixture(scope="module")
def test_data():
    return _load(TEST_FILE)


def _intent_counts(data) -> Counter:
    return Counter(message.get("intent") for message in data.intent_examples)


def test_every_intent_has_enough_training_examples(train):
    counts = _intent_counts(train)
    too_few = {
        intent: counts.get(intent, 0)
        for intent in INTENTS
        if counts.get(intent, 0) < MIN_TRAIN_HARD.get(intent, MIN_TRAIN)
    }
    assert not too_few, f"intents with too few training examples: {too_few}"


def test_no_unknown_intents_in_training(train):
    assert set(_intent_counts(train)) <= set(INTENTS)


def test_every_intent_has_enough_test_messages(test_data):
    counts = _intent_counts(test_data)
    too_few = {
        intent: counts.get(intent, 0)
        for intent in INTENTS
        if counts.get(intent, 0) < MIN_TEST_HARD.get(intent, MIN_TEST)
    }
    assert not too_few, f"intents with too few test messages: {too_few}"


def test_test_intents_exist_in_training(train, test_data):
    train_counts = _intent_counts(train)
    for intent in _intent_counts(test_data):
        assert train_counts.get(intent, 0) >= MIN_TRAIN, f"{intent}: {train_counts.get(intent, 0)} training examples"


def test_no_test_message_is_a_training_example(train, test_data):
    training = {normalise(message.get("text")) for message in train.intent_examples}
    leaked = [message.get("text") for message in test_data.intent_examples
              if normalise(message.get("text")) in training]
    assert not leaked, f"test messages also in the training data: {leaked}"


def test_no_duplicate_test_messages(test_data):
    counts = Counter(normalise(message.get("text")) for message in test_data.intent_examples)
    assert not [text for text, n in counts.items() if n > 1]


def test_no_example_has_two_intents(train):
    intents_by_text: dict[str, set[str]] = {}
    for message in train.intent_examples:
        intents_by_text.setdefault(normalise(message.get("text")), set()).add(message.get("intent"))
    conflicts = {text: intents for text, intents in intents_by_text.items() if len(intents) > 1}
    assert not conflicts, f"the same example under several intents: {conflicts}"


@pytest.mark.parametrize("which", ["train", "test_data"])
def test_entity_annotations_parse_and_align(which, request):
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    data = request.getfixturevalue(which)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    problems = []
    for message in data.intent_examples:
        text = message.get("text")
        if re.search(r"\]\(|\]\{", text):
            problems.append(f"unparsed annotation left in text: {text!r}")
        tokens = tokenizer.tokenize(message, "text")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in message.get("entities", []):
            span = text[entity["start"]:entity["end"]]
            if entity["entity"] not in ENTITIES:
                problems.append(f"unknown entity {entity['entity']!r} in {text!r}")
            if span != entity["value"] or not span.strip():
                problems.append(f"entity value {entity['value']!r} is not the span {span!r} in {text!r}")
            if entity["start"] not in starts or entity["end"] not in ends:
                problems.append(f"entity {span!r} does not line up with tokens in {text!r}")
            if entity["entity"] == "reference" and not REFERENCE.match(span):
                problems.append(f"malformed reference {span!r} in {text!r}")
            if entity["entity"] == "age" and not re.fullmatch(r"\d{1,3}|[a-z]+", span.lower()):
                problems.append(f"age must be the number only, got {span!r} in {text!r}")
    assert not problems, "\n".join(problems)


def test_entities_are_used_in_training_and_test(train, test_data):
    for data in (train, test_data):
        used = {entity["entity"] for m in data.intent_examples for entity in m.get("entities", [])}
        assert used == ENTITIES, f"entity types used: {sorted(used)}"


def test_unannotated_references_are_absent(train, test_data):
    """A KR-... reference in a message must always be annotated."""
    for data in (train, test_data):
        for message in data.intent_examples:
            annotated = {e["value"] for e in message.get("entities", []) if e["entity"] == "reference"}
            for match in re.findall(r"\bKR-\w{10}\b", message.get("text"), re.IGNORECASE):
                assert match in annotated, f"unannotated reference {match!r} in {message.get('text')!r}"


def test_conditions_services_and_ages_are_annotated_as_the_pipeline_reads_them():
    """A span taught one way and tested another makes the conversation tests fail on entities that the
    bot reads correctly; `python -m nlu_components.annotations --fix` rewrites the differences."""
    from nlu_components.annotations import differences

    found = differences()
    assert not found, f"{len(found)} annotations differ from the term extractor's output:\n" + "\n".join(
        f"{d.path.relative_to(ROOT)}:{d.line + 1}: {d.old!r} -> {d.new!r}" for d in found[:20])


def test_the_annotation_check_finds_a_span_that_differs(tmp_path):
    """The check above can fail: a story that annotates "biopsy" of "skin biopsy" is found and rewritten."""
    from nlu_components.annotations import apply, differences

    story = tmp_path / "test_example.yml"
    story.write_text('stories:\n  - story: x\n    steps:\n      - user: |\n          what happens in a skin '
                     '[biopsy](service), is it painful?\n        intent: ask_skin_biopsy\n', encoding="utf-8")
    [found] = differences(nlu_files=[], story_files=[story])
    assert found.new == "what happens in a [skin biopsy](service), is it painful?"
    apply([found])
    assert differences(nlu_files=[], story_files=[story]) == []
