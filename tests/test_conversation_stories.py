"""Conversation tests: the end-to-end test stories in tests/stories/ and `rasa data validate`.

- The stories' user messages are fresh: none is an NLU training example (data/nlu/) or a held-out NLU
  test message (tests/nlu/test_nlu.yml), every intent of the domain appears in at least two stories.
- `rasa test core --e2e` runs every story against the newest model in models/: each user message goes
  through the NLU pipeline (intent and entities must match the story) and each action is predicted by
  the policies (custom actions are not executed by Rasa's story evaluation). Every story must pass:
  every intent, entity and action; a failure lists the failing stories with their first mismatch.
- `rasa data validate --fail-on-warnings` passes, without a single warning in its output.

`--fail-on-prediction-errors` is not passed to `rasa test`: it makes Rasa raise at the first wrong
prediction, so the report of the other stories is never written. This test fails on any failed story
instead, after reading Rasa's report, so it is as strict and says which stories failed.
"""
from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
STORIES_DIR = ROOT / "tests" / "stories"
TRAIN_DIR = ROOT / "data" / "nlu"
NLU_TEST_FILE = ROOT / "tests" / "nlu" / "test_nlu.yml"
RASA = Path(sys.executable).parent / "rasa"
MIN_STORIES = 70
MIN_STORIES_PER_INTENT = 2
# Intents Rasa adds to every domain that the rules use (the FallbackClassifier's intent).
DEFAULT_INTENTS_USED = {"nlu_fallback"}
TIMEOUT_SECONDS = 3600

_PUNCTUATION = str.maketrans("", "", string.punctuation + "’‘“”")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    """Lower case, punctuation removed, whitespace collapsed (as tests/nlu/test_nlu_data.py does)."""
    return " ".join(text.lower().translate(_PUNCTUATION).split())


def story_files() -> list[Path]:
    return sorted(STORIES_DIR.glob("test_*.yml"))


def load_stories() -> list[tuple[Path, dict]]:
    stories = []
    for path in story_files():
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        stories += [(path, story) for story in content.get("stories") or []]
    return stories


def story_user_steps() -> list[tuple[str, str, str]]:
    """(story name, plain user text, intent) of every typed user message (button payloads excluded)."""
    steps = []
    for _, story in load_stories():
        for step in story.get("steps") or []:
            text = (step.get("user") or "").strip()
            if text and not text.startswith("/"):
                steps.append((story["story"], _ANNOTATION.sub(r"\1", text), step.get("intent")))
    return steps


def domain_intents() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]


def nlu_texts(path: Path) -> set[str]:
    import logging

    from rasa.shared.nlu.training_data.loading import load_data

    logging.getLogger("rasa").setLevel(logging.ERROR)
    return {normalise(message.get("text")) for message in load_data(str(path)).intent_examples}


# --- the stories themselves (no model needed) --------------------------------------------------------

def test_story_files_exist_and_are_named_for_rasa_test():
    files = story_files()
    assert files, f"no test_*.yml story files in {STORIES_DIR}"
    stray = [p.name for p in STORIES_DIR.glob("*.y*ml") if not p.name.startswith("test_")]
    assert not stray, f"`rasa test --e2e` only reads test_*.yml files; rename: {stray}"
    assert len(load_stories()) >= MIN_STORIES


def test_story_names_are_unique():
    counts = Counter(story["story"] for _, story in load_stories())
    assert not [name for name, n in counts.items() if n > 1], counts.most_common(3)


def test_every_intent_is_covered_by_stories():
    covered = Counter()
    for _, story in load_stories():
        for intent in {step["intent"] for step in story.get("steps") or [] if step.get("intent")}:
            covered[intent] += 1
    known = set(domain_intents()) | DEFAULT_INTENTS_USED
    assert not set(covered) - known, f"stories use intents the domain lacks: {set(covered) - known}"
    too_few = {i: covered[i] for i in domain_intents() if covered[i] < MIN_STORIES_PER_INTENT}
    assert not too_few, f"intents in fewer than {MIN_STORIES_PER_INTENT} stories: {too_few}"


def test_story_messages_are_not_nlu_examples():
    """A story message that is also a training example would test memory, not understanding."""
    seen = nlu_texts(TRAIN_DIR) | nlu_texts(NLU_TEST_FILE)
    leaked = [(name, text) for name, text, _ in story_user_steps() if normalise(text) in seen]
    assert not leaked, "story messages that are NLU training or test examples:\n" + "\n".join(
        f"  {name}: {text!r}" for name, text in leaked)


def test_story_messages_are_not_repeated():
    counts = Counter(normalise(text) for _, text, _ in story_user_steps())
    assert not [t for t, n in counts.items() if n > 1], [t for t, n in counts.items() if n > 1]


# --- running them --------------------------------------------------------------------------------------

def newest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def rasa_environment(tmp_path: Path) -> dict[str, str]:
    """The services' environment (endpoints.yml needs ACTION_PORT and DATABASE_URL), on a throwaway
    SQLite database, with Python warnings left visible."""
    from settings import load_settings
    from stack.processes import service_environment

    env = service_environment(load_settings(), DATABASE_URL=f"sqlite:///{tmp_path / 'stories.db'}")
    env.pop("PYTHONWARNINGS", None)  # the Makefile silences them; here they are what we look for
    return env


def marked_mismatch(story_yaml: str) -> str | None:
    """The first step Rasa marked as wrong in a failed story ('# predicted: ...'), with the step before.
    Rasa marks a wrong action or intent, but not always a wrong entity."""
    lines = story_yaml.splitlines()
    for index, line in enumerate(lines):
        if "# predicted:" in line:
            context = [text.strip() for text in lines[max(1, index - 2):index + 1]]  # line 0: the name
            return " | ".join(text for text in context if text and text != "steps:")
    return None


def failed_stories(out_dir: Path) -> dict[str, str | None]:
    """Name -> Rasa's first '# predicted:' mark, for each story in failed_test_stories.yml."""
    path = out_dir / "failed_test_stories.yml"
    if not path.exists():
        return {}
    blocks = re.split(r"(?m)^- story: ", path.read_text(encoding="utf-8"))[1:]
    # Rasa appends the source file to the name: "story name (tests/stories/test_x.yml)"
    return {re.sub(r" \([^()]*\.ya?ml\)$", "", block.splitlines()[0].strip()): marked_mismatch(block)
            for block in blocks}


def _entity_key(entity: dict) -> tuple:
    return entity["entity"], entity["start"], entity["end"], str(entity["value"])


def nlu_mismatches(model: Path, names: set[str]) -> dict[str, str]:
    """For the named stories: what differs in the first typed user message the model parses differently
    from the story; an intent difference is named before an entity difference in an earlier message."""
    from rasa.shared.nlu.training_data.entities_parser import (
        find_entities_in_training_example,
        replace_entities,
    )

    from evaluation.entities import parse_messages

    steps = [(story["story"], (step.get("user") or "").strip(), step.get("intent"))
             for _, story in load_stories() if story["story"] in names for step in story.get("steps") or []]
    steps = [(name, raw, intent) for name, raw, intent in steps if raw and not raw.startswith("/")]
    parses = parse_messages(model, [replace_entities(raw) for _, raw, _ in steps])

    def show(keys, text):
        return ", ".join(f"{k[0]}={text[k[1]:k[2]]!r}->{k[3]!r}" for k in sorted(keys)) or "none"

    found: dict[str, str] = {}
    intent_found: set[str] = set()
    for (name, raw, story_intent), parsed in zip(steps, parses):
        if name in intent_found:
            continue
        text, intent = replace_entities(raw), parsed["intent"]
        if intent["name"] != story_intent:
            found[name] = (f"{text!r}: intent {intent['name']} ({intent['confidence']:.2f}), "
                           f"story says {story_intent}")
            intent_found.add(name)
            continue
        expected = {_entity_key(e) for e in find_entities_in_training_example(raw)}
        got = {_entity_key(e) for e in parsed.get("entities", []) if "start" in e}
        if expected != got and name not in found:
            found[name] = (f"{text!r}: entities not in the story [{show(got - expected, text)}], "
                           f"missing [{show(expected - got, text)}]")
    return found


def test_conversation_stories_pass(tmp_path):
    model = newest_model()
    if model is None:
        skip_or_fail("no trained model in models/ (`make train` trains one)")
    out_dir = tmp_path / "results"
    command = [str(RASA), "test", "core", "--e2e", "--stories", str(STORIES_DIR), "--model", str(model),
               "--endpoints", "endpoints.yml", "--out", str(out_dir), "--successes", "--no-plot"]
    result = subprocess.run(command, cwd=ROOT, env=rasa_environment(tmp_path), capture_output=True, text=True,
                            timeout=TIMEOUT_SECONDS)
    log = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, f"`rasa test core` exited with {result.returncode}:\n{log}"
    report_path = out_dir / "story_report.json"
    assert report_path.exists(), f"no story report in {out_dir}:\n{log}"
    conversation = json.loads(report_path.read_text()).get("conversation_accuracy") or {}
    expected = len(load_stories())
    assert conversation.get("total") == expected, (
        f"Rasa evaluated {conversation.get('total')} stories, tests/stories/ holds {expected}:\n{log}")
    failed = failed_stories(out_dir)
    # every story Rasa counted as wrong must be read back from its failed-stories file, or the split
    # below into entity-only and intent-or-action failures would hide some
    assert len(failed) == expected - conversation.get("correct", 0), (
        f"Rasa counted {expected - conversation.get('correct', 0)} failed stories, "
        f"failed_test_stories.yml names {len(failed)}:\n{log}")
    print(f"{conversation.get('correct')}/{conversation.get('total')} conversation tests passed (model {model.name})")
    # Every story must pass by Rasa's own count: every intent, every action and every entity (type, span
    # and value). Conditions, services and ages come from the knowledge store's term matcher, so their
    # spans do not change from one training to the next; a failure names what differs.
    nlu = nlu_mismatches(model, set(failed)) if failed else {}
    summary = "\n".join(f"- {name}\n    first mismatch: "
                        f"{nlu.get(name) or mark or 'see the story in failed_test_stories.yml'}"
                        for name, mark in failed.items())
    assert not failed, (
        f"{len(failed)} of {expected} conversation tests failed (model {model.name}, full stories in "
        f"{out_dir / 'failed_test_stories.yml'}):\n{summary}")


def test_data_validate_has_no_warnings(tmp_path):
    result = subprocess.run([str(RASA), "data", "validate", "--fail-on-warnings"], cwd=ROOT,
                            env=rasa_environment(tmp_path), capture_output=True, text=True, timeout=1200)
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    assert result.returncode == 0, f"`rasa data validate --fail-on-warnings` exited with {result.returncode}:\n" \
                                   f"{output[-4000:]}"
    assert not warnings, "`rasa data validate` warned:\n" + "\n".join(warnings)
