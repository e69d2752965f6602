#!/usr/bin/env python3
"""Sample CLINC150 messages into NLU training data: out_of_scope examples and small talk.

Reads `data/external/clinc/train.tsv` (CLINC150, Larson et al., 2019, "An Evaluation Dataset for
Intent Classification and Out-of-Scope Prediction", https://github.com/clinc/oos-eval, licensed under
Creative Commons Attribution 3.0) and writes

- `data/nlu/out_of_scope_clinc.yml`: about 350 `out_of_domain` rows, spread over CLINC's intents,
  labelled `out_of_scope`;
- `data/nlu/smalltalk_clinc.yml`: a few `meta` rows per CLINC intent that maps to one of the bot's
  small-talk intents (greet, goodbye, thank, bot_challenge, ask_capabilities, affirm, deny, stop).

Rows are read before they are labelled: `is_excluded()` leaves out rows that are not clearly out of
scope for a cancer referral bot (anything about health, doctors, medicine, insurance, appointments,
emergencies), rows naming a relative (the bot annotates relatives as the `relation` entity), rows that
look like the bot's own intents (talking to a person, status of an application, deleting one's data)
and rows naming a hospital the bot knows ("samsung"). Excluded rows are neither training nor
out-of-scope evaluation material; the evaluation can import `is_excluded` to skip them as well:

    import importlib.util
    spec = importlib.util.spec_from_file_location("sample_clinc", "scripts/sample_clinc.py")

Deterministic (fixed seed), standard library only. Run from anywhere:

    python scripts/sample_clinc.py              # (re)write the two training files
    python scripts/sample_clinc.py --heldout 40 # print unused rows for the held-out test file
"""
from __future__ import annotations

import argparse
import csv
import random
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLINC_TSV = ROOT / "data" / "external" / "clinc" / "train.tsv"
OUT_OF_SCOPE_FILE = ROOT / "data" / "nlu" / "out_of_scope_clinc.yml"
SMALLTALK_FILE = ROOT / "data" / "nlu" / "smalltalk_clinc.yml"

SEED = 20240611
OUT_OF_SCOPE_TARGET = 350
OOS_INTENT_SHARE = 30  # CLINC's own "oos" rows are the most varied; take more of them
META_PER_INTENT = 12

# CLINC meta intent -> the bot's intent
META_MAP = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank",
    "are_you_a_bot": "bot_challenge",
    "what_can_i_ask_you": "ask_capabilities",
    "yes": "affirm",
    "no": "deny",
    "cancel": "stop",
}

# Whole CLINC intents that are about health: travel shots, health insurance and benefits.
EXCLUDED_INTENTS = {"vaccines", "insurance", "insurance_change"}


def _words(*words: str) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


EXCLUDE_PATTERNS = [
    # health, medicine and care
    _words(
        r"cancers?", r"tumou?rs?", r"oncolog\w*", r"doctors?'?s?", r"dr", r"physicians?", r"hospitals?",
        r"clinics?", r"medical", r"medicines?", r"medications?", r"meds", r"pills?", r"prescriptions?",
        r"pharmac\w*", r"drugs?", r"symptoms?", r"treat\w*", r"therap\w*", r"health", r"sick\w*", r"ill",
        r"illness\w*", r"diseases?", r"disorders?", r"pain\w*", r"aches?", r"hurts?", r"hurt", r"injur\w*",
        r"nurses?", r"surg\w*", r"operations?", r"chemo\w*", r"radiation", r"blood", r"fever", r"flu",
        r"covid\w*", r"virus\w*", r"infect\w*", r"allerg\w*", r"vaccin\w*", r"shots?", r"immuni\w*",
        r"diagnos\w*", r"biops\w*", r"appointments?", r"dentists?", r"dental", r"teeth", r"tooth",
        r"insurance", r"emergenc\w*", r"ambulance", r"911", r"die", r"died", r"dying", r"death", r"dead",
        r"kill\w*", r"suicid\w*", r"bleed\w*", r"breath\w*", r"heart", r"brain", r"skin", r"moles?",
        r"rash\w*", r"wheelchair", r"autism", r"addict\w*", r"nicotine", r"heroin", r"marijuana",
        r"cannabis", r"pregnan\w*", r"vet", r"patients?", r"care", r"trials?", r"transplant\w*",
        r"stem", r"marrow", r"donors?", r"stage", r"genetic\w*", r"genes?", r"dna", r"cells?\s+therapy",
        r"weight", r"diet\w*", r"body", r"sleep\w*", r"stress\w*", r"tired", r"exercise", r"gym",
        r"pregnancy", r"birth", r"born", r"age", r"aging", r"catheter\w*",
    ),
    # relatives and ages: the bot annotates them as entities
    _words(
        r"sons?", r"daughters?", r"mother\w*", r"moms?'?s?", r"mum", r"mommy", r"dads?'?s?", r"daddy",
        r"father\w*", r"wife", r"wives", r"husband\w*", r"spouse", r"child\w*", r"kids?", r"bab(?:y|ies)",
        r"brothers?", r"sisters?", r"grand\w*", r"aunt", r"uncle", r"nephew", r"niece", r"cousins?",
        r"parents?", r"family", r"teen\w*", r"boy", r"girl", r"infant", r"toddler",
    ),
    r"\b\d+\s*(?:years?|yrs?)\s*old\b",
    r"\bhow old\b",
    # hospitals the bot knows; Samsung is also a phone maker
    _words(r"samsung", r"snuh", r"seoul national", r"kima", r"smc"),
    # looks like the bot's own intents: a person to talk to, status of an application, one's data
    _words(r"speak to", r"speak with", r"talk to", r"talk with", r"customer service", r"representative",
           r"agent", r"human", r"real person", r"operator", r"someone"),
    _words(r"my data", r"my information", r"my info", r"my personal", r"my details", r"my records?"),
    _words(r"inquiry", r"enquiry", r"referral", r"consultation", r"second opinion"),
    # voice-assistant commands that do not fit a text chat ("mute", "stop talking", "hello siri")
    _words(r"talking", r"speaking", r"quiet", r"shut", r"mute", r"silence", r"shh+", r"volume",
           r"siri", r"alexa", r"pause"),
    # characters that Rasa's markdown-in-YAML would read as entity annotations, and stray quotes
    r"[\[\](){}\"]",
]
_EXCLUDE = [re.compile(pattern, re.IGNORECASE) for pattern in EXCLUDE_PATTERNS]
# CLINC's credit-card application rows are fine; a bare "status of my application" is too close to
# the bot's check_inquiry_status.
_CARD = re.compile(r"\b(?:card|credit|cc)\b", re.IGNORECASE)


def is_excluded(text: str, clinc_intent: str = "") -> bool:
    """Whether a CLINC row is left out of training and out-of-scope evaluation."""
    if clinc_intent in EXCLUDED_INTENTS:
        return True
    if clinc_intent == "application_status" and not _CARD.search(text):
        return True
    return any(pattern.search(text) for pattern in _EXCLUDE)


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def read_rows(path: Path = CLINC_TSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row for row in reader if row.get("text")]


def _usable_by_intent(rows: list[dict[str, str]], role: str) -> dict[str, list[str]]:
    """Usable rows of one role, grouped by CLINC intent, deduplicated, in file order."""
    grouped: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for row in rows:
        text = row["text"].strip()
        key = normalise(text)
        if row["role"] != role or key in seen or is_excluded(text, row["clinc_intent"]):
            continue
        seen.add(key)
        grouped[row["clinc_intent"]].append(text)
    return grouped


def sample_out_of_scope(rows: list[dict[str, str]], target: int = OUT_OF_SCOPE_TARGET) -> list[tuple[str, str]]:
    """About `target` (clinc_intent, text) pairs, spread evenly over CLINC's out_of_domain intents."""
    rng = random.Random(SEED)
    grouped = _usable_by_intent(rows, "out_of_domain")
    pools = {intent: rng.sample(texts, len(texts)) for intent, texts in sorted(grouped.items())}
    picked: list[tuple[str, str]] = []
    oos_pool = pools.pop("oos", [])
    picked += [("oos", text) for text in oos_pool[:OOS_INTENT_SHARE]]
    intents = sorted(pools)
    rng.shuffle(intents)
    depth = 0
    while len(picked) < target and any(len(pools[i]) > depth for i in intents):
        for intent in intents:
            if len(picked) >= target:
                break
            if len(pools[intent]) > depth:
                picked.append((intent, pools[intent][depth]))
        depth += 1
    return picked


def sample_meta(rows: list[dict[str, str]], per_intent: int = META_PER_INTENT) -> dict[str, list[str]]:
    """`per_intent` meta rows for each CLINC intent in META_MAP, keyed by the bot's intent."""
    rng = random.Random(SEED + 1)
    grouped = _usable_by_intent(rows, "meta")
    return {
        bot_intent: rng.sample(grouped[clinc_intent], min(per_intent, len(grouped[clinc_intent])))
        for clinc_intent, bot_intent in META_MAP.items()
    }


HEADER = """\
# GENERATED by scripts/sample_clinc.py (deterministic); edit the script, not this file.
# Source: CLINC150 (Larson et al., 2019, "An Evaluation Dataset for Intent Classification and
# Out-of-Scope Prediction", https://github.com/clinc/oos-eval), via data/external/clinc/train.tsv.
# License: Creative Commons Attribution 3.0 (https://creativecommons.org/licenses/by/3.0/).
# Rows about health, medicine, appointments, relatives or the bot's own intents were left out
# (see is_excluded() in the script). CLINC rows not listed here are kept for evaluation.
"""


def _block(intent: str, texts: list[str]) -> str:
    lines = [f"  - intent: {intent}", "    examples: |"]
    lines += [f"      - {text}" for text in texts]
    return "\n".join(lines)


def render_out_of_scope(picked: list[tuple[str, str]]) -> str:
    intents = sorted({intent for intent, _ in picked})
    comment = f"# {len(picked)} out_of_domain rows from {len(intents)} CLINC intents.\n"
    return HEADER + comment + 'version: "3.1"\nnlu:\n' + _block("out_of_scope", [t for _, t in picked]) + "\n"


def render_smalltalk(meta: dict[str, list[str]]) -> str:
    mapping = ", ".join(f"{clinc} -> {bot}" for clinc, bot in META_MAP.items())
    comment = f"# CLINC meta intents mapped to the bot's intents: {mapping}.\n"
    blocks = [_block(intent, texts) for intent, texts in meta.items()]
    return HEADER + comment + 'version: "3.1"\nnlu:\n' + "\n".join(blocks) + "\n"


def heldout(rows: list[dict[str, str]], count: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Usable rows that are not in the training sample: (clinc_intent, text) for out_of_domain and
    (bot_intent, text) for the mapped meta intents, chosen with another fixed seed."""
    used = {normalise(text) for _, text in sample_out_of_scope(rows)}
    used |= {normalise(text) for texts in sample_meta(rows).values() for text in texts}
    rng = random.Random(SEED + 2)
    ood = [(i, t) for i, texts in _usable_by_intent(rows, "out_of_domain").items() for t in texts
           if normalise(t) not in used]
    meta = [(META_MAP[i], t) for i, texts in _usable_by_intent(rows, "meta").items() if i in META_MAP
            for t in texts if normalise(t) not in used]
    return rng.sample(ood, min(count, len(ood))), rng.sample(meta, min(count, len(meta)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heldout", type=int, default=0,
                        help="print this many unused out_of_domain and meta rows instead of writing files")
    args = parser.parse_args()
    rows = read_rows()
    if args.heldout:
        ood, meta = heldout(rows, args.heldout)
        for intent, text in ood:
            print(f"out_of_scope\t{intent}\t{text}")
        for intent, text in meta:
            print(f"{intent}\tmeta\t{text}")
        return
    picked = sample_out_of_scope(rows)
    meta = sample_meta(rows)
    OUT_OF_SCOPE_FILE.write_text(render_out_of_scope(picked), encoding="utf-8")
    SMALLTALK_FILE.write_text(render_smalltalk(meta), encoding="utf-8")
    print(f"wrote {OUT_OF_SCOPE_FILE.relative_to(ROOT)} ({len(picked)} examples)")
    print(f"wrote {SMALLTALK_FILE.relative_to(ROOT)} ({sum(map(len, meta.values()))} examples)")


if __name__ == "__main__":
    main()
