"""Find conditions, services, units, hospitals and age cues in what a patient writes.

`TermMatcher` is built from the curated names and aliases (`knowledge/content/` and
`knowledge/vocabulary/`) and the disease terminology's names and synonyms (`vocabulary/disease_ontology.json`,
see knowledge/ONTOLOGY.md), not from the database, so the Rasa NLU component can use it without one.
A curated name wins over a terminology name that normalises to the same words.
It uses spaCy 3.4 with a blank English pipeline (no downloadable model): the tokenizer, a
`PhraseMatcher` for names and a `Matcher` for age expressions.

Robustness, in order:

1. every word is normalised before matching, on both sides: lower case, curly apostrophes made
   straight, possessive "'s" and punctuation dropped ("Ewing’s sarcoma" = "ewings sarcoma",
   "CAR-T" = "CAR T"), British spellings mapped (`vocabulary/spelling.yml`), simple plurals removed
   ("lymphomas", "transplants");
2. common misspellings are listed in the vocabulary and match like aliases;
3. a fuzzy fallback corrects a long unknown word to the vocabulary word within a small edit distance
   ("leukemai", "neuroblastma"); short words never are, so "cancel" does not become "cancer". The
   curated words are tried first; then the terminology's disease words of 9 letters or more
   ("choriocarcinona"), never its ordinary words ("extensive"), and its words are never corrected.

Offsets are CHARACTER offsets into the original text: `text[m.start:m.end] == m.text`.

The same ids in Korean, Chinese, Russian, Mongolian and Arabic come from knowledge/matcher_languages.py
(vocabulary/languages/), added to the candidates of `find_all` only for a text in those scripts.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from knowledge import matcher_languages as languages
from knowledge import matcher_phrases as phrases
from knowledge.catalog import Catalog, Term, default_catalog

# Kinds a match can have.
CONDITION, SERVICE, UNIT, HOSPITAL, ORGANIZATION = "condition", "service", "unit", "hospital", "organization"
OUT_OF_SCOPE, RELATION, AGE = "out_of_scope", "relation", "age"

# When spans of different kinds overlap in `find()`, the longer span wins; on equal length, the
# earlier kind in this list (a unit name like "Skin Cancer Center" outranks the condition inside it).
_KIND_PRIORITY = [UNIT, HOSPITAL, ORGANIZATION, CONDITION, SERVICE, OUT_OF_SCOPE, AGE, RELATION]

# Fuzzy fallback limits: words shorter than this are never corrected, and the allowed edit distance
# grows with length (1 edit up to 7 letters, 2 from 8).
_FUZZY_MIN_LENGTH = 7
_FUZZY_TWO_EDITS_FROM = 8
# The terminology's disease words are fuzzy targets only from this length, and only those with a
# disease ending (a tumor, a blood condition, a -osis).
_FUZZY_DISEASE_MIN_LENGTH = 9
_DISEASE_ENDINGS = ("oma", "emia", "aemia", "osis", "penia", "philia", "pathy", "uria", "plasia", "itis",
                    "cytosis", "blastoma")

# After "I am <n>" or "he is <n>", the next word must fit an age ("I am 45 and ...", not "I am 5 minutes late").
_AFTER_AGE_WORDS = {"years", "year", "yrs", "yr", "yo", "and", "with", "but", "now", "so", "old", "this", "next", "last",
                    "woman", "man", "female", "male", "lady", "girl", "boy", "from"}
_MONTH_WORDS = {"month", "months", "week", "weeks", "day", "days"}
# Categories that say nothing of the organ: a condition of these is read by its organ when one is named
_GENERIC_KINDS = {"cancer", "solid_tumor"}
# After "my son 10" or "a teen, 16" the next word must go on about the person ("my son 10 has ..."),
# not measure time ("my dad 2 years ago", "my mother 3 weeks after surgery").
_AFTER_RELATION_AGE_WORDS = {"has", "had", "have", "is", "was", "who", "with", "but", "now", "yo"}
# "my son 7 years with leukemia" is an age; "my dad 2 years ago" is not.
_YEAR_WORDS = {"years", "year", "yrs", "yr"}
_TIME_AFTER_YEARS = {"ago", "later", "before", "after", "since", "back", "earlier"}
# Who else an age can be given for, besides the relations ("an adult woman, 40", "female, 27").
_PERSON_WORDS = ["woman", "man", "female", "male", "lady", "girl", "boy", "adult", "patient", "person", "friend"]
# Words between a person and "is"/"turned" that leave the age theirs ("she just turned 9").
_AGE_FILLER_WORDS = {"only", "just", "now", "already", "recently"}


# Accented Latin letters written in disease names ("Waldenström", "Sjögren", "Ménétrier"); other scripts
# are left as they are.
_LATIN_ACCENTS = str.maketrans("äöüéèêëáàâíìîïóòôúùûñçøåß", "aoueeeeaaaiiiiooouuuncoas")

# words a gap ("*") in a lay description may skip: "platelets are really low"
_DESCRIPTION_GAP = 4


@dataclass(frozen=True)
class TermMatch:
    """One thing found in the text.

    kind: 'condition' | 'service' | 'unit' | 'hospital' | 'organization' | 'out_of_scope' | 'relation' | 'age'
    id / name: the canonical id and name ('age' matches use id "age" and name "age").
    text, start, end: the matched text and its character offsets in the original text.
    fuzzy: True when a word was corrected by the fuzzy fallback.
    age: the age in whole years, for 'age' matches (0 for babies given in months or weeks).
    is_child: for 'relation' and 'age' matches, whether it says the person is a child (None: unknown).
    subject: for 'age' matches, 'self' ("I am 45"), 'other' ("my 5 year old", "she is 7") or None.
    """

    kind: str
    id: str
    name: str
    text: str
    start: int
    end: int
    fuzzy: bool = False
    age: int | None = None
    is_child: bool | None = None
    subject: str | None = None
    described: bool = False  # found by a lay description ("her platelets are low"), not a name


@dataclass(frozen=True)
class AgeCue:
    """Who the patient is and how old, as far as the text says.

    age: years, or None. is_child: True/False when the text says, else None. relation: the relation id
    from `vocabulary/age_cues.yml` ('son', 'mother', 'self', ...) or None.
    """

    age: int | None
    is_child: bool | None
    relation: str | None


@dataclass(frozen=True)
class _Label:
    kind: str
    id: str
    name: str
    case_sensitive_text: str | None  # only match when the original text is exactly this


def singular(word: str) -> str:
    """A crude singular for matching: both sides go through it, so only consistency matters."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent transpositions count as one edit), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


class TermMatcher:
    """Matches the catalog's names, aliases, misspellings and age cues in free text. Build once, reuse."""

    def __init__(self, catalog: Catalog):
        # Thinc, under spaCy, imports TensorFlow when it is installed; harmless but slow and noisy.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # spaCy is imported here, not at module level, so the dataclasses can be imported cheaply.
        import spacy
        from spacy.lang.en.stop_words import STOP_WORDS
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.tokens import Doc

        self._doc = Doc

        self._catalog = catalog
        self._nlp = spacy.blank("en")
        self._variants = dict(catalog.spelling_variants)
        self._known_words = set(catalog.known_words)
        self._stop_words = {w.lower() for w in STOP_WORDS}
        self._labels: dict[str, _Label] = {}
        self._labels_by_id: dict[tuple[str, str], _Label] = {}
        self._phrases = PhraseMatcher(self._nlp.vocab, attr="ORTH")
        self._lexicon: set[str] = set()  # normalised words of names, for the fuzzy fallback
        self._lexicon_by_initial: dict[str, list[str]] = {}
        self._relation_words: set[str] = set()

        # Normalised patterns already taken: a terminology name that normalises like a curated one
        # ("Hodgkins lymphoma") must not compete with it for the same words.
        self._taken: set[tuple[tuple[str, ...], str | None]] = set()
        # Words of the terminology's names: never "corrected" by the fuzzy fallback, and never
        # targets of it (so that the curated misspellings stay unambiguous).
        self._ontology_words: set[str] = set()
        for kind, row_id, name, terms in self._named_things(catalog):
            for term in terms:
                self._add_term(kind, row_id, name, term)
        for row_id, condition in catalog.ontology_conditions.items():
            for term in condition.terms:
                self._add_term(CONDITION, row_id, condition.name, term, curated=False)
        for row_id, terms in catalog.ontology_aliases.items():
            for term in terms:
                self._add_term(CONDITION, row_id, catalog.conditions[row_id].name, term, curated=False)
        for word in self._lexicon:
            self._lexicon_by_initial.setdefault(word[0], []).append(word)
        # The terminology's words that name a disease by their ending ("choriocarcinoma",
        # "myelofibrosis"), for the second round of the fuzzy fallback; ordinary words of its names
        # ("extensive", "associated") are left out, or "expensive" would become one.
        self._disease_words_by_initial: dict[str, list[str]] = {}
        for word in sorted(self._ontology_words - self._lexicon):
            if len(word) >= _FUZZY_DISEASE_MIN_LENGTH and word.isalpha() and word.endswith(_DISEASE_ENDINGS):
                self._disease_words_by_initial.setdefault(word[0], []).append(word)

        self._ages = Matcher(self._nlp.vocab)
        self._add_age_patterns()
        self._descriptions = [(self._labels_by_id[(CONDITION, c.id)], self._description_slots(pattern))
                              for c in catalog.conditions.values() for pattern in c.descriptions]
        # (the term's words, the words that switch it, the words that keep it, the other meaning)
        self._senses = [(self.normalised_words(sense.term), self._normalised_set(sense.when),
                         self._normalised_set(sense.unless), sense.means,
                         self._labels_by_id[(CONDITION, sense.otherwise)])
                        for sense in catalog.senses]
        # Korean, Chinese, Russian, Mongolian and Arabic words for the same ids (knowledge/matcher_languages.py)
        self._languages = languages.LanguageMatcher(catalog)

    # --- building ------------------------------------------------------------------------------

    @staticmethod
    def _named_things(catalog: Catalog) -> Iterable[tuple[str, str, str, tuple[Term, ...]]]:
        for c in catalog.conditions.values():
            yield CONDITION, c.id, c.name, c.terms
        for s in catalog.services.values():
            yield SERVICE, s.id, s.name, s.terms
        for u in catalog.units.values():
            yield UNIT, u.id, u.name, u.terms + ((Term(u.official_name),) if u.official_name else ())
        for h in catalog.hospitals.values():
            yield HOSPITAL, h.id, h.name, h.terms + ((Term(h.short_name),) if h.short_name else ())
        for o in catalog.organizations.values():
            yield ORGANIZATION, o.id, o.name, o.terms + ((Term(o.short_name),) if o.short_name else ())
        for o in catalog.out_of_scope.values():
            yield OUT_OF_SCOPE, o.id, o.name, o.terms
        for r in catalog.relations.values():
            yield RELATION, r.id, r.name, r.terms

    def _add_term(self, kind: str, row_id: str, name: str, term: Term, curated: bool = True) -> None:
        words = self.normalised_words(term.text)
        if not words:
            return
        taken = (tuple(words), term.text if term.case_sensitive else None)
        if not curated:
            self._ontology_words.update(words)
            if taken in self._taken:
                return
        self._taken.add(taken)
        label = _Label(kind, row_id, name, term.text if term.case_sensitive else None)
        key = f"{kind}|{row_id}|{label.case_sensitive_text or ''}"
        self._labels[key] = label
        if label.case_sensitive_text is None:
            self._labels_by_id[(kind, row_id)] = label
        self._phrases.add(key, [self._doc(self._nlp.vocab, words=words)])
        if kind == RELATION:
            self._relation_words.add(words[-1])
        elif term.kind != "misspelling" and curated:
            self._lexicon.update(w for w in words if len(w) >= 6 and w.isalpha())

    def _add_age_patterns(self) -> None:
        number = {"LIKE_NUM": True}
        dash = {"ORTH": {"IN": ["-", "–"]}, "OP": "?"}
        years = {"LOWER": {"IN": ["year", "years", "yr", "yrs"]}}
        filler = {"LOWER": {"IN": ["only", "just", "now", "aged"]}, "OP": "?"}
        self._ages.add("years_old", [[number, dash, years, dash, {"LOWER": "old"}]])
        self._ages.add("months_old", [[number, dash, {"LOWER": {"IN": ["month", "months", "week", "weeks"]}}, dash,
                                       {"LOWER": "old"}]])
        self._ages.add("years_compact", [[number, {"LOWER": {"IN": ["yo", "y.o.", "yrs.", "y.o", "y", "y."]}}],
                                         [number, {"LOWER": "y"}, {"ORTH": "/"}, {"LOWER": "o"}],
                                         [{"LOWER": {"REGEX": r"^\d{1,3}(yo|y/o|yrs?old|yearold)$"}}]])
        self._ages.add("aged", [[{"LOWER": {"IN": ["aged", "age"]}}, {"ORTH": ":", "OP": "?"}, number]])
        self._ages.add("i_am", [[{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m", "’m"]}}, filler, number],
                                [{"LOWER": "im"}, filler, number]])
        self._ages.add("is_n", [[{"LOWER": {"IN": ["is", "'s", "’s", "turned", "turns"]}}, filler, number]])
        # "44 male", "58, female", "53F", and a message that opens with the age: "58 years, adenoid ..."
        person = {"LOWER": {"IN": _PERSON_WORDS}}
        self._ages.add("n_person", [[number, {"ORTH": ",", "OP": "?"}, person],
                                    [{"LOWER": {"REGEX": r"^\d{1,3}[fm]$"}}]])
        self._ages.add("opening_years", [[number, years]])
        # "my son (12) has ...", "my daughter, 7, has ...", "my son 10 has ...", "he's a teen, 16"
        relation = {"LOWER": {"IN": sorted(self._relation_words | set(_PERSON_WORDS))}}
        self._ages.add("relation_n", [[relation, {"ORTH": {"IN": ["(", ","]}, "OP": "?"}, number],
                                      # the tokenizer keeps a one-digit "(8)" as "(" + "8)"
                                      [relation, {"ORTH": "("}, {"LOWER": {"REGEX": r"^\d\)$"}}]])

    # --- normalising -----------------------------------------------------------------------------

    def _normalise_word(self, raw: str) -> str | None:
        straight = raw.lower().replace("’", "'").replace("‘", "'").translate(_LATIN_ACCENTS)
        if "aem" in straight and ("aemi" in straight or straight.startswith("haem")):
            straight = straight.replace("aem", "em")  # British spelling: leukaemia, haematology, macroglobulinaemia
        if straight in ("'s", "'"):
            return None  # the possessive of "Ewing’s sarcoma", "Wilms’ tumor"
        word = straight.strip("'.")
        if not any(ch.isalnum() for ch in word):
            return None  # punctuation: hyphens, slashes, ampersands
        word = self._variants.get(word, word)
        word = singular(word)
        return self._variants.get(word, word)

    def _normalised_set(self, words: frozenset[str]) -> frozenset[str]:
        return frozenset(filter(None, (self._normalise_word(w) for w in words)))

    def normalised_words(self, text: str) -> list[str]:
        """The words of `text` as the matcher compares them (see the module docstring)."""
        return [w for w in (self._normalise_word(t.text) for t in self._nlp.make_doc(text)) if w]

    def _correct(self, word: str) -> str | None:
        """The vocabulary word a long unknown word is a misspelling of, or None."""
        if (len(word) < _FUZZY_MIN_LENGTH or not word.isalpha() or word in self._lexicon
                or word in self._stop_words or word in self._known_words or word in self._relation_words
                or word in self._ontology_words):
            return None
        limit = 2 if len(word) >= _FUZZY_TWO_EDITS_FROM else 1
        found = _closest(word, self._lexicon_by_initial.get(word[0], ()), limit)
        if found is None and len(word) >= _FUZZY_DISEASE_MIN_LENGTH:
            # then the terminology's disease words ("choriocarcinona" -> choriocarcinoma), after the
            # curated ones so that their misspellings keep their meaning
            found = _closest(word, self._disease_words_by_initial.get(word[0], ()), limit)
        return found

    # --- matching --------------------------------------------------------------------------------

    def find_all(self, text: str) -> list[TermMatch]:
        """Every match, non-overlapping WITHIN each kind (longest first); kinds may overlap each other,
        and a lay description may overlap a name.

        "melanoma treatment" gives the service "multidisciplinary melanoma care" and the condition
        "melanoma". Routing uses this; `find()` is for entity extraction.
        """
        doc = self._nlp.make_doc(text)
        kept, words, corrected = [], [], []
        for token in doc:
            word = self._normalise_word(token.text)
            if not word:
                continue
            fixed = self._correct(word)
            kept.append(token)
            words.append(fixed or word)
            corrected.append(fixed is not None)

        candidates: list[TermMatch] = []
        if words:
            normalised = self._doc(self._nlp.vocab, words=words)
            for match_id, start, end in self._phrases(normalised):
                label = self._labels[self._nlp.vocab.strings[match_id]]
                start_char = kept[start].idx
                end_char = _end_of(kept[end - 1])
                surface = text[start_char:end_char]
                if label.case_sensitive_text is not None and " ".join(surface.split()) != label.case_sensitive_text:
                    continue
                relation = self._catalog.relations.get(label.id) if label.kind == RELATION else None
                candidates.append(TermMatch(
                    label.kind, label.id, label.name, surface, start_char, end_char,
                    fuzzy=any(corrected[start:end]), is_child=relation.is_child if relation else None,
                ))
        candidates.extend(self._find_ages(doc, text))
        candidates.extend(phrases.find_cancer_of(self, kept, words, text, candidates))
        candidates.extend(phrases.find_head_variants(self, kept, words, text))
        candidates = phrases.apply_senses(self, candidates, words)
        candidates.extend(self._languages.find(text))

        chosen: list[TermMatch] = []
        for kind in _KIND_PRIORITY:
            chosen.extend(_longest_non_overlapping([m for m in candidates if m.kind == kind]))
        # A lay description may overlap a name ("peeling from my cancer drugs" holds "cancer"): both are
        # kept, and routing prefers the specific condition.
        chosen.extend(_longest_non_overlapping(self._find_descriptions(kept, words, text)))
        return sorted(chosen, key=lambda m: (m.start, -m.end, _KIND_PRIORITY.index(m.kind)))

    def normalise_word(self, raw: str) -> str | None:
        """One word as the matcher compares it (None for punctuation and a possessive "'s")."""
        return self._normalise_word(raw)

    @property
    def relation_words(self) -> set[str]:
        """The normalised last words of the relations ("son", "daughter", "mother")."""
        return self._relation_words

    @property
    def senses(self) -> list:
        """Words whose meaning the message decides: (term words, when, unless, default id, other label)."""
        return self._senses

    def condition_named(self, words: list[str]) -> _Label | None:
        """The condition whose name or alias is exactly these normalised words, if any."""
        for match_id, start, end in self._phrases(self._doc(self._nlp.vocab, words=words)):
            label = self._labels[self._nlp.vocab.strings[match_id]]
            if start == 0 and end == len(words) and label.kind == CONDITION and label.case_sensitive_text is None:
                return label
        return None

    def _description_slots(self, pattern: str) -> list[frozenset[str] | None]:
        """A description pattern as slots: the normalised alternatives of a word, or None for a gap."""
        return [None if slot == "*" else frozenset(self._normalise_word(word) or word for word in slot.split("|"))
                for slot in pattern.split(" ")]

    def _find_descriptions(self, kept: list, words: list[str], text: str) -> list[TermMatch]:
        """Lay descriptions of a condition with words in between ("her platelets are really low", "his
        white cells keep dropping"): each word slot in order, a gap ("*") skipping up to
        _DESCRIPTION_GAP words."""
        found = []
        for label, slots in self._descriptions:
            for start in range(len(words)):
                end = _match_slots(slots, words, start)
                if end is not None:
                    end_char = _end_of(kept[end - 1])
                    found.append(TermMatch(CONDITION, label.id, label.name, text[kept[start].idx:end_char],
                                           kept[start].idx, end_char, described=True))
                    break
        return found

    def find(self, text: str) -> list[TermMatch]:
        """Non-overlapping matches in text order: longer spans win, then kind priority (unit > ... > relation).
        A lay description only where no name overlaps it: "rash after [immunotherapy]" keeps the service."""
        matches = self.find_all(text)
        named = _longest_non_overlapping([m for m in matches if not m.described])
        described = [m for m in _longest_non_overlapping([m for m in matches if m.described])
                     if all(m.end <= other.start or m.start >= other.end for other in named)]
        return sorted(named + described, key=lambda m: m.start)

    def _find_ages(self, doc, text: str) -> list[TermMatch]:
        found = []
        for match_id, start, end in self._ages(doc):
            pattern = self._nlp.vocab.strings[match_id]
            span = doc[start:end]
            number_token = next((t for t in span if t.like_num or t.text[:1].isdigit()), None)
            if number_token is None:
                continue
            age = self._number(number_token.text.rstrip(")"))
            following = doc[end] if end < len(doc) else None
            if pattern == "relation_n":
                after_following = doc[end + 1] if end + 1 < len(doc) else None
                said_in_years = (following is not None and following.lower_ in _YEAR_WORDS | _MONTH_WORDS
                                 and (after_following is None or after_following.lower_ not in _TIME_AFTER_YEARS))
                if following is not None and not following.is_punct and not said_in_years \
                        and following.lower_ not in _AFTER_RELATION_AGE_WORDS:
                    continue  # "my dad 2 years ago": a time, not an age
                # Only the number is the age; the relation word is its own match.
                span = doc[end - 1:end]
                age = self._number(span.text.rstrip(")"))
            if pattern == "n_person" and age is None:
                age = self._number(number_token.text.rstrip("fmFM"))
            if pattern == "years_compact" and following is not None and following.lower_ in _TIME_AFTER_YEARS:
                continue  # "10 y ago" is a time
            if pattern == "opening_years" and (start != 0 or (following is not None
                                                              and following.lower_ in _TIME_AFTER_YEARS)):
                continue  # only a message's opening "58 years, ..." is an age; "3 years ago" is a time
            if pattern == "months_old" and age is not None:
                age = 0
            if pattern in ("i_am", "is_n", "relation_n") and following is not None \
                    and following.lower_ in _MONTH_WORDS and age is not None:
                age = 0  # "our son is 18 months", "my baby, 11 months": under a year
                following = None
            if age is None or not 0 <= age <= 120:
                continue
            if pattern in ("i_am", "is_n") and following is not None and not following.is_punct \
                    and following.lower_ not in _AFTER_AGE_WORDS:
                continue  # "I am 5 minutes late", "the tumor is 4 cm"
            if pattern == "is_n" and not self._refers_to_person(doc, start):
                continue  # "the count is 3" says nothing about anyone's age
            subject = self._age_subject(doc, start, pattern)
            found.append(TermMatch(AGE, AGE, AGE, text[span.start_char:span.end_char], span.start_char,
                                   span.end_char, age=age, is_child=age < self._catalog.adult_from_age,
                                   subject=subject))
        words = [token for token in doc if not token.is_punct]
        if not found and len(words) == 1 and words[0].like_num:
            # a message that is only a number answers "how old is the patient?"
            age = self._number(words[0].text)
            if age is not None and 0 <= age <= 120:
                found.append(TermMatch(AGE, AGE, AGE, words[0].text, words[0].idx, words[0].idx + len(words[0].text),
                                       age=age, is_child=age < self._catalog.adult_from_age))
        return found

    def patient_sex(self, text: str) -> str | None:
        """'female' or 'male' when the words of `text` point to one only ("my wife", "a 40 year old woman",
        "she"; vocabulary/age_cues.yml `sex_words`), else None (no such word, or words of both)."""
        found = {self._catalog.sex_words[token.lower_] for token in self._nlp.make_doc(text)
                 if token.lower_ in self._catalog.sex_words}
        return found.pop() if len(found) == 1 else None

    def number_value(self, word: str) -> int | None:
        """The whole number a word says ("7", "seven"), or None."""
        return self._number(word)

    def _number(self, raw: str) -> int | None:
        # isdecimal, not isdigit: "²" and "③" are digits to isdigit() but int() rejects them
        digits = "".join(ch for ch in raw if ch.isdecimal())
        if raw[:1].isdecimal() and digits and len(digits) <= 3 and "," not in raw and "." not in raw:
            return int(digits)
        return self._catalog.number_words.get(raw.lower())

    def _refers_to_person(self, doc, start: int) -> bool:
        while start > 0 and doc[start - 1].lower_ in _AGE_FILLER_WORDS:
            start -= 1
        if start == 0:
            return False
        before = self._normalise_word(doc[start - 1].text) or ""
        return before in {"he", "she", "they", "age", *_PERSON_WORDS} or before in self._relation_words

    @staticmethod
    def _age_subject(doc, start: int, pattern: str) -> str | None:
        if pattern == "i_am":
            return "self"
        if pattern in ("is_n", "relation_n"):
            return "other"
        before = [t.lower_ for t in doc[max(0, start - 3):start]]
        if "i" in before and any(w in ("am", "'m", "’m") for w in before) or "im" in before:
            return "self"
        if any(w in ("my", "our", "his", "her", "their") for w in before):
            return "other"
        return None

    # --- age cue ---------------------------------------------------------------------------------

    def age_cue(self, text: str, matches: list[TermMatch] | None = None) -> AgeCue:
        """Who the patient is and how old, from the text.

        When the writer names a relative ("my son") and also gives their OWN age ("I am 45"), the
        writer's age is not the patient's, so `age` stays None.
        """
        matches = self.find_all(text) if matches is None else matches
        relations = [m for m in matches if m.kind == RELATION]
        ages = [m for m in matches if m.kind == AGE]
        relative = next((m for m in relations if m.id != "self"), None)
        if relative is not None:
            age_match = next((m for m in ages if m.subject != "self"), None)
        else:
            age_match = ages[0] if ages else None
        relation = relative.id if relative else ("self" if relations or (age_match and age_match.subject == "self")
                                                 else None)
        if age_match is not None:
            return AgeCue(age_match.age, age_match.age < self._catalog.adult_from_age, relation)
        # "from parent to child, for adults": relatives that disagree on child or adult leave it unknown
        groups = {m.is_child for m in relations if m.id != "self" and m.is_child is not None}
        return AgeCue(None, relative.is_child if relative and len(groups) <= 1 else None, relation)

    def names_a_generic_kind(self, condition_id: str) -> bool:
        """Whether a condition says no more than "a cancer" or "a solid tumor" ("carcinoma", "adenosarcoma",
        "small cell carcinoma"): its organ, when the message names one, says what kind it is."""
        condition = self._catalog.conditions.get(condition_id) or self._catalog.ontology_conditions.get(condition_id)
        return condition is not None and condition.category in _GENERIC_KINDS

    def is_category(self, condition_id: str) -> bool:
        """Whether a condition is the generic word of its category ("cancer", "blood disorder")."""
        condition = self._catalog.conditions.get(condition_id)
        return condition is not None and condition.category == condition.id

    @property
    def adult_from_age(self) -> int:
        """The age from which a patient is routed as an adult (18)."""
        return self._catalog.adult_from_age


def _end_of(token) -> int:
    """Where a match ending with `token` ends in the text: a token can carry a full stop the tokenizer
    left on it ("CAR-T." at the end of a sentence), and the match is the term without it."""
    return token.idx + len(token.text.rstrip(".,;:!?") or token.text)


def _match_slots(slots: list[frozenset[str] | None], words: list[str], start: int) -> int | None:
    """Where a description's slots matched from `start` end (exclusive), shortest match, or None."""
    if not slots:
        return start
    slot, rest = slots[0], slots[1:]
    if slot is None:
        for skip in range(_DESCRIPTION_GAP + 1):
            end = _match_slots(rest, words, start + skip)
            if end is not None:
                return end
        return None
    if start < len(words) and words[start] in slot:
        return _match_slots(rest, words, start + 1)
    return None


def _closest(word: str, candidates: Iterable[str], limit: int) -> str | None:
    """The one candidate within `limit` edits of `word` closer than all others, or None."""
    best_distance, best = limit + 1, set()
    for candidate in candidates:
        distance = edit_distance(word, candidate, limit)
        if distance < best_distance:
            best_distance, best = distance, {candidate}
        elif distance == best_distance and distance <= limit:
            best.add(candidate)
    # Two equally close vocabulary words: guessing would be wrong half the time, so don't.
    return next(iter(best)) if best_distance <= limit and len(best) == 1 else None


def _longest_non_overlapping(matches: list[TermMatch]) -> list[TermMatch]:
    # Longest in words first, so that kind priority settles two overlapping names of as many words
    # ("skin cancer surgery": the condition "skin cancer", not the service "cancer surgery"); then
    # longest in characters. Chinese has no spaces: its words are counted as languages.word_count says.
    ranked = sorted(matches, key=lambda m: (-languages.word_count(m.text), m.fuzzy, _KIND_PRIORITY.index(m.kind),
                                            -(m.end - m.start), m.start))
    chosen: list[TermMatch] = []
    for match in ranked:
        if all(match.end <= other.start or match.start >= other.end for other in chosen):
            chosen.append(match)
    return chosen


@lru_cache(maxsize=1)
def get_matcher() -> TermMatcher:
    """The process-wide matcher for the project's content, built on first use."""
    return TermMatcher(default_catalog())
