"""Phrases the term matcher reads around the names: "<kind> of the <organ>", the same words before
another of cancer/carcinoma/tumor, and words whose meaning the rest of the message decides.

Split from `knowledge.matcher` (which calls these from `TermMatcher.find_all`) to keep each file to one
job; the functions use the matcher's normalisation and name lookup.
"""
from __future__ import annotations

import knowledge.matcher as base  # circular on purpose: only read at call time

# "cancer of the lung", "tumour in both lungs", "carcinoma of her ovary" (see find_cancer_of)
CANCER_HEADS = {"cancer", "tumor", "carcinoma", "malignancy", "neoplasm"}
# Kinds of cancer said around their organ ("leiomyosarcoma of the uterus", "melanoma in his eye"): looked
# up as "<organ> <kind>" and "<kind> of <organ>", then as "<organ> cancer" (an adenosarcoma of the vagina
# is a vaginal cancer), except the blood cancers: "lymphoma of the skin" is a lymphoma, not a skin cancer.
KIND_SUFFIXES = ("sarcoma", "carcinoma", "melanoma", "blastoma", "oma")
BLOOD_HEADS = {"lymphoma", "leukemia", "myeloma", "plasmacytoma", "mastocytoma"}
# The adjective a terminology name uses for an organ ("uterine sarcoma" for "sarcoma of the uterus").
# "cervical" is left out on purpose: it is also the neck.
ORGAN_ADJECTIVES = {
    "uterus": "uterine", "womb": "uterine", "ovary": "ovarian", "vagina": "vaginal", "vulva": "vulvar",
    "placenta": "placental", "stomach": "gastric", "eye": "ocular", "kidney": "renal", "liver": "hepatic",
    "lung": "pulmonary", "skin": "cutaneous", "testis": "testicular", "pancreas": "pancreatic",
    "bladder": "bladder", "breast": "breast", "bone": "bone", "brain": "brain", "colon": "colon",
    "urethra": "urethral", "penis": "penile", "prostate": "prostatic", "anus": "anal", "rectum": "rectal",
}
# ... and back: "urethral cancer" where the terminology says "urethra cancer".
ADJECTIVE_ORGANS = {adjective: organ for organ, adjective in reversed(ORGAN_ADJECTIVES.items()) if adjective != organ}
# Organs patients name in lay words: the words as the matcher normalises them -> the organ's name.
LAY_ORGANS = {
    ("neck", "of", "the", "womb"): ["cervix"], ("neck", "of", "womb"): ["cervix"],
    ("lining", "of", "the", "womb"): ["endometrial"], ("womb", "lining"): ["endometrial"],
    ("lining", "of", "the", "uterus"): ["endometrial"], ("inside", "layer", "of", "uterus"): ["endometrial"],
    ("labia",): ["vulva"], ("labium",): ["vulva"],
}
CANCER_OF = {"of", "in", "on", "at", "inside"}
ORGAN_DETERMINERS = {"the", "both", "his", "her", "my", "their", "our", "a", "one", "left", "right", "its",
                     "lower", "upper", "inner", "outer"}
# How many words may stand between "<kind> in" and the organ ("melanoma in the back of my eye")
ORGAN_WINDOW = 5
_CLAUSE_BREAK = set(",.;:()!?")


def _is_kind_head(word: str) -> bool:
    return word in CANCER_HEADS or (word.endswith(KIND_SUFFIXES) and len(word) > 5)


def _organ_condition(matcher: base.TermMatcher, head: str, organ: list[str], widen: bool):
    """The condition "<organ> <kind>", "<kind> of <organ>" or, when `widen` (a kind that says nothing of
    the organ, never a blood cancer), "<organ> cancer" names, if any."""
    nouns = [head, "cancer", "tumor"] if widen and head not in BLOOD_HEADS else [head]
    organs = [organ] + [name.split() for name in LAY_ORGANS.get(tuple(organ), [])]
    forms = []
    for form in organs:
        forms.append(form)
        adjective = ORGAN_ADJECTIVES.get(form[-1])
        if adjective:
            forms.append(form[:-1] + [matcher.normalise_word(adjective) or adjective])
    candidates = [form + [noun] for noun in dict.fromkeys(nouns) for form in forms] + \
        [[head, "of"] + form for form in forms]
    return next(filter(None, (matcher.condition_named(words) for words in candidates)), None)


def find_cancer_of(matcher: base.TermMatcher, kept: list, words: list[str], text: str,
                   named: list[base.TermMatch] = ()) -> list[base.TermMatch]:
    """"cancer in both lungs", "a tumour of the food pipe", "carcinoma of her ovary", "melanoma in the
    back of my eye", "adenosarcoma of the vagina": the condition the kind and its organ name together,
    for every organ the vocabulary names, without listing each "cancer of the ..." as an alias. The
    organ may stand a few words after the preposition, within the same clause. The match begins where a
    condition in `named` that ends with the kind begins ("small cell carcinoma of the cervix" as a whole),
    so that it is the longer reading of those words."""
    found = []
    for index, head in enumerate(words[:-2]):
        if not _is_kind_head(head) or words[index + 1] not in CANCER_OF:
            continue
        # "retinoblastoma in one eye" stays a retinoblastoma; "small cell carcinoma of the cervix" is a
        # cervical cancer: only a generic kind (or no named condition) is widened to its organ's cancer
        covering = [m for m in named if m.kind == base.CONDITION and m.end == base._end_of(kept[index])
                    and m.start <= kept[index].idx]
        widen = all(matcher.names_a_generic_kind(m.id) for m in covering)
        if not widen and head in CANCER_HEADS:
            continue  # "the ovarian cancer of my wife reached the liver": the named cancer says its organ
        label, organ_end = None, None
        for organ_start in range(index + 2, min(index + 2 + ORGAN_WINDOW, len(words))):
            if any(ch in _CLAUSE_BREAK for ch in text[base._end_of(kept[organ_start - 1]):kept[organ_start].idx]):
                break  # "melanoma in 2019, my liver ...": the organ belongs to another clause
            if words[organ_start] in ORGAN_DETERMINERS:
                continue
            if words[organ_start] in matcher.relation_words:
                break  # "cancer of my wife ...": a person, not an organ, follows
            for length in (4, 3, 2, 1):
                organ = words[organ_start:organ_start + length]
                if len(organ) < length or any(w in matcher.relation_words for w in organ):
                    continue  # "tumor in children" is not a "children tumor"
                label = _organ_condition(matcher, head, organ, widen)
                if label:
                    organ_end = organ_start + length
                    break
            if label:
                break
        if label:
            end_char = base._end_of(kept[organ_end - 1])
            start_char = min([m.start for m in covering] + [kept[index].idx])
            found.append(base.TermMatch(base.CONDITION, label.id, label.name, text[start_char:end_char],
                                        start_char, end_char))
    return found


def find_head_variants(matcher: base.TermMatcher, kept: list, words: list[str], text: str) -> list[base.TermMatch]:
    """"salivary gland cancer" where the terminology says "salivary gland carcinoma", "vaginal
    carcinoma" where it says "vaginal cancer", "uterine adenosarcoma" (a uterine cancer), "urethral
    cancer" where it says "urethra cancer": the same words (or the organ for its adjective) before the
    same or another of cancer, carcinoma, tumor, when the words as written name nothing; never for a
    blood cancer ("breast lymphoma" is a lymphoma)."""
    found = []
    for index, head in enumerate(words):
        if not _is_kind_head(head) or head in BLOOD_HEADS or index == 0:
            continue
        for length in (4, 3, 2, 1):
            start = index - length
            if start < 0:
                continue
            prefix = words[start:index]
            if matcher.condition_named(prefix + [head]):
                break  # written as a name already: the phrase matcher has it
            organ = ADJECTIVE_ORGANS.get(prefix[-1])
            prefixes = [prefix] + ([prefix[:-1] + [matcher.normalise_word(organ) or organ]] if organ else [])
            label = next(filter(None, (matcher.condition_named(form + [other]) for form in prefixes
                                       for other in (head, "cancer", "carcinoma", "tumor")
                                       if (form, other) != (prefix, head))), None)
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
