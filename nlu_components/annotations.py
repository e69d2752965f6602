"""Entity annotations that agree with what the pipeline outputs.

`KnowledgeTermExtractor` is the extractor of record for conditions, services, ages and relations (see
`knowledge_terms.py`), so an annotation of one of these that differs from the matcher's span is a
sentence the model is taught one way and tested another. This module finds such annotations in the NLU
data and the test stories, and rewrites them:

    python -m nlu_components.annotations            # list the differences (exit status 1 if any)
    python -m nlu_components.annotations --fix      # rewrite the files in place

- NLU examples (data/nlu/, tests/nlu/test_nlu.yml): the span is the matcher's. The value is left to the
  synonym mapper as before (the extractor replaces it anyway), so an annotation is written `[text](type)`.
- Test stories (tests/stories/): `rasa test` compares values too, so a story gives the store's canonical
  name where it differs from the text (`[melanomma]{"entity": "condition", "value": "melanoma"}`).
- Out-of-scope examples are left as they are: a "knee [surgery]" is not something the data should teach
  as a service, even though the matcher reads the word.
Places and references are never touched.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from rasa.shared.nlu.training_data.entities_parser import (
    ENTITY_REGEX,
    find_entities_in_training_example,
    replace_entities,
)

from knowledge.matcher import get_matcher
from nlu_components.knowledge_terms import MATCHER_ENTITIES, KnowledgeTermExtractor

ROOT = Path(__file__).resolve().parents[1]
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml")) + [ROOT / "tests" / "nlu" / "test_nlu.yml"]
STORY_FILES = sorted((ROOT / "tests" / "stories").glob("test_*.yml"))
UNANNOTATED_INTENTS = {"out_of_scope"}

# "    - intent: ask_route" opens an intent's examples in an NLU file
_INTENT_LINE = re.compile(r"^\s*-\s*intent:\s*(\S+)")
_EXAMPLE_LINE = re.compile(r"^\s*-\s+(.*?)\s*$")
_STORY_USER = re.compile(r"^\s*-\s*user:\s*\|\s*$")


@dataclass(frozen=True)
class Difference:
    """One example whose annotation should change."""

    path: Path
    line: int
    old: str
    new: str


def _key(entity: dict[str, Any]) -> tuple:
    return entity["entity"], entity["start"], entity["end"]


def annotate(text: str, entities: list[dict[str, Any]], originals: dict[tuple, str], with_values: bool) -> str:
    """`text` with `entities` written in Rasa's annotation syntax; an entity in `originals` (by type and
    span) keeps the annotation it had."""
    parts, position = [], 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        surface = text[entity["start"]:entity["end"]]
        annotation = originals.get(_key(entity))
        if annotation is None:
            value = str(entity["value"])
            if with_values and value != surface:
                annotation = f"[{surface}]" + json.dumps({"entity": entity["entity"], "value": value})
            else:
                annotation = f"[{surface}]({entity['entity']})"
        parts += [text[position:entity["start"]], annotation]
        position = entity["end"]
    return "".join(parts) + text[position:]


@lru_cache(maxsize=1)
def _tokenizer():
    """The pipeline's tokenizer (config.yml): Korean and Chinese cut into words, the rest at spaces."""
    from nlu_components.script_tokenizer import ScriptAwareTokenizer

    return ScriptAwareTokenizer.create(ScriptAwareTokenizer.get_default_config(), None, None, None)


def _aligned(text: str, entity: dict[str, Any]) -> bool:
    """Whether the entity starts and ends on the pipeline tokenizer's token boundaries."""
    from rasa.shared.nlu.training_data.message import Message

    tokens = _tokenizer().tokenize(Message(data={"text": text}), "text")
    return entity["start"] in {t.start for t in tokens} and entity["end"] in {t.end for t in tokens}


def reannotated(raw: str, with_values: bool, extractor: KnowledgeTermExtractor) -> str:
    """`raw` (an annotated example) with its conditions, services, ages and relations as the extractor outputs them."""
    text = replace_entities(raw)
    gold = find_entities_in_training_example(raw)
    # the n-th annotation in the raw example is the n-th entity (one entity per annotation here)
    originals = {_key(entity): match.group(0) for entity, match in zip(gold, ENTITY_REGEX.finditer(raw))}
    # the extractor's conditions, services, ages and relations; the example's own places and references
    # (a story's are checked against the pipeline as they are; the extractor's own would be a guess here)
    wanted = [e for e in extractor.merge(text, [dict(e) for e in gold]) if e["entity"] in MATCHER_ENTITIES]
    # Rasa cannot train on an entity inside a word ("biopsy" in "re-biopsy"): left unannotated
    wanted = [e for e in wanted if _aligned(text, e)]
    wanted += [e for e in gold if e["entity"] not in MATCHER_ENTITIES
               and not any(e["start"] < w["end"] and w["start"] < e["end"] for w in wanted)]
    if with_values:
        # a story's original annotation stays only where its value is the one the pipeline gives
        expected_values = {_key(e): str(e["value"]) for e in wanted}
        originals = {k: a for k, a in originals.items()
                     if k[0] not in MATCHER_ENTITIES
                     or any(_key(g) == k and str(g["value"]) == expected_values.get(k) for g in gold)}
    return annotate(text, wanted, originals, with_values)


def _nlu_examples(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line index, raw example, intent) of each example line in an NLU file."""
    intent, in_examples = None, False
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        opened = _INTENT_LINE.match(line)
        if opened:
            intent, in_examples = opened.group(1), False
            continue
        if re.match(r"^\s*examples:\s*\|", line):
            in_examples = intent is not None
            continue
        if re.match(r"^\s*-\s*(synonym|lookup|regex):", line):
            intent, in_examples = None, False
            continue
        example = _EXAMPLE_LINE.match(line)
        if in_examples and example:
            yield index, example.group(1), intent


def _story_messages(path: Path) -> Iterator[tuple[int, str]]:
    """(line index, raw message) of each typed user message in a story file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines[:-1]):
        if _STORY_USER.match(line):
            message = lines[index + 1].strip()
            if message and not message.startswith("/"):
                yield index + 1, message


def differences(nlu_files: list[Path] = NLU_FILES, story_files: list[Path] = STORY_FILES) -> list[Difference]:
    """Every example whose condition, service, age or relation annotation differs from the extractor's output."""
    extractor = KnowledgeTermExtractor(get_matcher())
    found = []
    for path in nlu_files:
        for index, raw, intent in _nlu_examples(path):
            if intent in UNANNOTATED_INTENTS:
                continue
            new = reannotated(raw, with_values=False, extractor=extractor)
            if new != raw:
                found.append(Difference(path, index, raw, new))
    for path in story_files:
        for index, raw in _story_messages(path):
            new = reannotated(raw, with_values=True, extractor=extractor)
            if new != raw:
                found.append(Difference(path, index, raw, new))
    return found


def apply(found: list[Difference]) -> None:
    """Rewrite the files: each difference's line gets its new annotation, nothing else changes."""
    by_path: dict[Path, list[Difference]] = {}
    for difference in found:
        by_path.setdefault(difference.path, []).append(difference)
    for path, changes in by_path.items():
        lines = path.read_text(encoding="utf-8").split("\n")
        for change in changes:
            assert change.old in lines[change.line], (path, change.line)
            lines[change.line] = lines[change.line].replace(change.old, change.new, 1)
        path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="rewrite the annotations in place")
    args = parser.parse_args(argv)
    found = differences()
    for difference in found:
        print(f"{difference.path.relative_to(ROOT)}:{difference.line + 1}\n  - {difference.old}\n  + {difference.new}")
    if args.fix:
        apply(found)
        print(f"rewrote {len(found)} annotations")
        return 0
    print(f"{len(found)} annotations differ from the term extractor's output")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
