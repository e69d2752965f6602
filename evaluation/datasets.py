"""The data files the measurements read: NLU examples (training and held-out), and CLINC150's
out-of-domain messages that no training file contains."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from settings import PROJECT_ROOT

CLINC_ATTRIBUTION = (
    "Out-of-domain messages: CLINC150 (Larson et al., 2019, \"An Evaluation Dataset for Intent "
    "Classification and Out-of-Scope Prediction\", github.com/clinc/oos-eval), licensed under "
    "Creative Commons Attribution 3.0 (CC BY 3.0)."
)

_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_SPACES = re.compile(r"\s+")


def strip_entity_markup(text: str) -> str:
    return _ENTITY_MARKUP.sub(r"\1", text)


def normalise_text(text: str) -> str:
    return _SPACES.sub(" ", strip_entity_markup(text)).strip().lower()


def _examples(block: Any) -> list[str]:
    if isinstance(block, str):
        lines = []
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                lines.append(line[2:].strip())
            elif line == "-":
                continue
        return lines
    if isinstance(block, list):
        return [str(item.get("text", "")).strip() if isinstance(item, dict) else str(item).strip()
                for item in block]
    return []


def read_nlu_examples(path: Path) -> list[tuple[str | None, str]]:
    """(intent or None, plain text) of every example in an NLU YAML file (intents, synonyms, lookups)."""
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in content.get("nlu") or []:
        if not isinstance(item, dict):
            continue
        intent = item.get("intent")
        for text in _examples(item.get("examples")):
            examples.append((intent, strip_entity_markup(text)))
    return examples


def training_nlu_files() -> list[Path]:
    files = []
    for folder in (PROJECT_ROOT / "data" / "nlu", PROJECT_ROOT / "data" / "generated"):
        files += sorted(folder.rglob("*.yml")) + sorted(folder.rglob("*.yaml"))
    return files


def training_texts() -> set[str]:
    texts = set()
    for path in training_nlu_files():
        texts.update(normalise_text(text) for _, text in read_nlu_examples(path))
    return texts


def clinc_exclusion_rule():
    """`is_excluded(text, clinc_intent)` of scripts/sample_clinc.py (rows about health, relatives or the
    bot's own intents, which are not clearly out of scope), or None where the script does not exist."""
    import importlib.util

    path = PROJECT_ROOT / "scripts" / "sample_clinc.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("sample_clinc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "is_excluded", None)


def heldout_out_of_domain(n: int, seed: int = 13, exclude: set[str] | None = None) -> tuple[list[str], dict]:
    """`n` CLINC `out_of_domain` messages that are in no training file, sampled with a fixed seed.

    Rows that scripts/sample_clinc.py's `is_excluded` leaves out of training because they are not
    clearly out of scope (health, relatives, the bot's own intents) are left out here too.
    """
    import csv
    import random

    path = PROJECT_ROOT / "data" / "external" / "clinc" / "train.tsv"
    exclude = training_texts() if exclude is None else exclude
    is_excluded = clinc_exclusion_rule()
    rows, in_training, not_clearly_out = [], 0, 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("role") != "out_of_domain" or not row.get("text"):
                continue
            if normalise_text(row["text"]) in exclude:
                in_training += 1
                continue
            if is_excluded is not None and is_excluded(row["text"], row.get("clinc_intent", "")):
                not_clearly_out += 1
                continue
            rows.append(row["text"].strip())
    unique = sorted(set(rows))
    sample = random.Random(seed).sample(unique, min(n, len(unique)))
    return sample, {"pool": len(unique), "excluded_in_training": in_training,
                    "excluded_not_clearly_out_of_scope": not_clearly_out, "sampled": len(sample),
                    "seed": seed}


def heldout_in_domain(test_file: Path, n: int | None = None, seed: int = 13) -> list[tuple[str, str]]:
    """(intent, text) of the held-out NLU test messages whose intent is not out_of_scope
    (all of them, or a fixed-seed sample of `n`)."""
    import random

    if not test_file.exists():
        return []
    examples = [(intent, text) for intent, text in read_nlu_examples(test_file)
                if intent and intent != "out_of_scope" and text]
    if n is not None and n < len(examples):
        examples = random.Random(seed).sample(examples, n)
    return examples
