"""Phrases the term matcher reads around the names: "<kind> of the <organ>", the same words before
another of cancer/carcinoma/tumor, and words whose meaning the rest of the message decides.

Split from `knowledge.matcher` (which calls these from `TermMatcher.find_all`) to keep each file to one
job; the functions use the matcher's normalisation and name lookup.
"""
from __future__ import annotations

import knowledge.matcher as base  # circular on purpose: only read at call time

# "cancer of the lung", "tumour in both lungs", "carcinoma of her ovary" (see find_cancer_of)
CANCER_HEADS = {"cancer", "tumor", "carcinoma", "malignancy"}
# Kinds of cancer said around their organ ("leiomyosarcoma of the uterus", "melanoma in his eye"):
# looked up as "<organ> <kind>", never widened to "<organ> cancer" ("lymphoma of the skin" is a
# lymphoma, not a skin cancer).
KIND_HEADS = {"sarcoma", "leiomyosarcoma", "adenocarcinoma", "melanoma", "lymphoma", "neoplasm"}
# The adjective a terminology name uses for an organ ("uterine sarcoma" for "sarcoma of the uterus").
# "cervical" is left out on purpose: it is also the neck.
ORGAN_ADJECTIVES = {
    "uterus": "uterine", "womb": "uterine", "ovary": "ovarian", "vagina": "vaginal", "vulva": "vulvar",
    "placenta": "placental", "stomach": "gastric", "eye": "ocular", "kidney": "renal", "liver": "hepatic",
    "lung": "pulmonary", "skin": "cutaneous", "testis": "testicular", "pancreas": "pancreatic",
    "bladder": "bladder", "breast": "breast", "bone": "bone", "brain": "brain", "colon": "colon",
}
CANCER_OF = {"of", "in", "on"}
ORGAN_DETERMINERS = {"the", "both", "his", "her", "my", "their", "our", "a", "one", "left", "right", "its"}



def find_cancer_of(matcher: base.TermMatcher, kept: list, words: list[str], text: str) -> list[base.TermMatch]:
    """"cancer in both lungs", "a tumour of the food pipe", "carcinoma of her ovary": the condition
    named "<organ> cancer" (or "<organ> tumor"), for every organ the vocabulary names that way,
    without listing each "cancer of the ..." as an alias."""
    found = []
    for index, head in enumerate(words[:-2]):
        if head not in CANCER_HEADS | KIND_HEADS or words[index + 1] not in CANCER_OF:
            continue
        nouns = [head, "cancer"] if head in CANCER_HEADS else [head]
        organ_start = index + 2
        while organ_start < len(words) - 1 and words[organ_start] in ORGAN_DETERMINERS:
            organ_start += 1
        for length in (3, 2, 1):
            organ = words[organ_start:organ_start + length]
            if len(organ) < length or any(w in matcher.relation_words for w in organ):
                continue  # "tumor in children" is not a "children tumor"
            organ_forms = [organ]
            adjective = ORGAN_ADJECTIVES.get(organ[-1])
            if adjective:
                organ_forms.append(organ[:-1] + [matcher.normalise_word(adjective) or adjective])
            label = next(filter(None, (matcher.condition_named(form + [noun])
                                       for noun in dict.fromkeys(nouns) for form in organ_forms)), None)
            if label:
                end_char = base._end_of(kept[organ_start + length - 1])
                found.append(base.TermMatch(base.CONDITION, label.id, label.name, text[kept[index].idx:end_char],
                                       kept[index].idx, end_char))
                break
    return found


def find_head_variants(matcher: base.TermMatcher, kept: list, words: list[str], text: str) -> list[base.TermMatch]:
    """"salivary gland cancer" where the terminology says "salivary gland carcinoma", "vaginal
    carcinoma" where it says "vaginal cancer": the same words before another of cancer, carcinoma,
    tumor, when the words as written name nothing."""
    found = []
    for index, head in enumerate(words):
        if head not in CANCER_HEADS or index == 0:
            continue
        for length in (4, 3, 2, 1):
            start = index - length
            if start < 0:
                continue
            prefix = words[start:index]
            if matcher.condition_named(prefix + [head]):
                break  # written as a name already: the phrase matcher has it
            label = next(filter(None, (matcher.condition_named(prefix + [other])
                                       for other in ("cancer", "carcinoma", "tumor") if other != head)), None)
            if label:
                end_char = base._end_of(kept[index])
                found.append(base.TermMatch(base.CONDITION, label.id, label.name, text[kept[start].idx:end_char],
                                       kept[start].idx, end_char))
                break
    return found


def apply_senses(matcher: base.TermMatcher, candidates: list[base.TermMatch], words: list[str]) -> list[base.TermMatch]:
    """A word that means two things ("mole") named by the rest of the message (vocabulary/senses.yml)."""
    if not matcher.senses:
        return candidates
    present = set(words)
    result = []
    for match in candidates:
        for term_words, when, unless, means, label in matcher.senses:
            if (match.kind == base.CONDITION and match.id == means and present & when and not present & unless
                    and matcher.normalised_words(match.text) == term_words):
                match = base.TermMatch(base.CONDITION, label.id, label.name, match.text, match.start, match.end,
                                       match.fuzzy)
                break
        result.append(match)
    return result
