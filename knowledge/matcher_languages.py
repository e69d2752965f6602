"""The term matcher's words in Korean, Chinese, Russian, Mongolian and Arabic (issue #15).

`LanguageMatcher.find(text)` gives the same `TermMatch` kinds, ids and canonical (English) names as the
English names do, with character offsets into the original text, so routing and the NLU component work
unchanged; `TermMatcher.find_all` adds its matches to the English ones. A language is read only when its
script is in the message (Hangul, Han, Cyrillic, Arabic letters), so English messages cost nothing more.
The words are data: `vocabulary/languages/<code>.yml` (knowledge/vocabulary_languages.py).

Both sides are normalised the same way, character by character so that offsets map back: NFKC (full-width
letters and digits, Arabic presentation forms), lower case, ё as е, Arabic without diacritics (tashkeel)
or tatweel, one alef, ي for ى, ه for ة, و for ؤ, ي for ئ, and ASCII digits for Arabic-Indic ones.

How each script is matched:

- Korean and Chinese are written without spaces between words, and Korean attaches particles ("백혈병이에요",
  "폐암으로", "我父亲得了肺癌"): names are found as substrings of the text with its spaces taken out, longest
  first. A space in the text may fall inside a name only where the name has one, or where at least two
  letters of the name stand on each side ("골수 이식" is 골수이식; "아이 식사" holds no 이식). Latin names in
  these lists ("AML이에요", "CAR-T치료") need a non-Latin neighbour on each side. A one-syllable Korean
  word (암, 딸, 형) is matched only as a word of its own: a space, punctuation or one of the file's
  `joins_before` / `joins_after` words (우리+딸, 암+이) on each side, so 암기, 유형 and 딸기 are not matched,
  nor the start of a word in the file's `unrelated_words` (애인, 아이디);
  Chinese terms have at least two characters (the loader refuses one).
- Russian inflects ("лейкоз, лейкоза, лейкозом", "рака яичников"): words are compared by their Snowball
  stems (PyStemmer, already installed for bm25s: a maintained stemmer rather than hand-written suffix
  rules), and a text word that begins with a vocabulary stem of five letters or more and adds at most
  three letters is that word too (Snowball stems "меланому" as "мелан"). A `whole_word` term is compared
  as written.
- Mongolian has no Snowball stemmer. A name word of three letters or more matches a text word that starts
  with it and is at most `_MN_EXTRA_LONG` (four-letter words and longer) or `_MN_EXTRA_SHORT` (three
  letters) letters longer ("хавдартай", "лейкозтой"), also with its last short vowel dropped as the
  language drops it before a suffix ("хавдар" -> "хавдрын", "хүүхэд" -> "хүүхдийг"); of two readings of
  the same words the one adding fewer letters wins ("хүүхдийг" is a child, not a son "хүү"); shorter
  words match as written.
- Arabic attaches the conjunctions and prepositions و ف ب ل ك and the article ال to the next word
  ("والسرطان", "بسرطان الدم", "للأطفال"), and the possessive pronouns to the end ("ابني", "زوجتي"): every
  reading of a text word with those prefixes taken off (and then one pronoun suffix) is looked up, and
  the vocabulary's words are compared without their article. Snowball's Arabic stemmer was tried and
  left out: it stems "سرطان" and "السرطان" differently and leaves "الدم" whole, so it would miss the
  commonest forms.

Ages ("45세", "5 лет", "5岁", "45 настай", "عمري 45") are read by knowledge/matcher_language_ages.py.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import knowledge.matcher as base  # circular on purpose: only read at call time
from knowledge import matcher_language_ages as ages
from knowledge.catalog import Catalog
from knowledge.vocabulary_languages import LanguageVocabulary

_SCRIPTS = {
    "ko": re.compile(r"[\uac00-\ud7a3]"),
    "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "mn": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
}
_SUBSTRING_LANGUAGES = ("ko", "zh")
# Ө and Ү are Mongolian letters no Russian word has (as in languages/cyrillic.py): a message with them is
# not read as Russian, whose short stems would otherwise meet Mongolian words.
_MONGOLIAN_ONLY = re.compile(r"[өү]", re.IGNORECASE)

_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # tashkeel, tatweel
_INVISIBLE = {"\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"}
_FOLD = str.maketrans({
    "ё": "е", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ک": "ك", "ی": "ي", "٫": ".", "٬": ",",
    **{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)},
})
_WORD = re.compile(r"[^\W\d_]+")
_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]", re.IGNORECASE)
# between two words of one name: spaces or a hyphen, never a comma or a full stop
_WORD_GAP = re.compile(r"[\s\-‐–]*")

_MN_EXTRA_LONG, _MN_EXTRA_SHORT = 7, 5
_RU_LONG_STEM, _RU_EXTRA = 5, 3
_MN_VOWELS = set("аэиоуөүыеёюя")
# the conjunctions and prepositions written onto the next word, with or without the article after them
_AR_CLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك")
_AR_PREFIXES = tuple(sorted({c + a for c in _AR_CLITICS for a in ("", "ال")} | {"لل", "ولل", "فلل"}, key=len))
_AR_SUFFIXES = ("ي", "ه", "ها", "نا", "ك", "كم", "هم", "هن", "ات", "يه")  # pronouns; "ات" for plurals


def normalise(text: str) -> tuple[str, list[int]]:
    """`text` folded as the module's docstring says, and for each character of the result the index of
    the original character it comes from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _INVISIBLE or _ARABIC_MARKS.match(char):
            continue
        for folded in unicodedata.normalize("NFKC", char).lower().translate(_FOLD):
            if not _ARABIC_MARKS.match(folded):
                out.append(folded)
                origin.append(index)
    return "".join(out), origin


@dataclass(frozen=True)
class _Name:
    """One written form as a matcher compares it."""

    kind: str
    id: str
    name: str
    text: str  # as written in the vocabulary
    key: str | tuple[str, ...]  # the characters without spaces (ko, zh) or the words' keys (ru, mn, ar)
    spaces: frozenset[int] = frozenset()  # where the written form has a space (ko, zh)
    whole_word: bool = False
    case_sensitive: bool = False
    is_child: bool | None = None


class LanguageMatcher:
    """Every language file of the catalog, ready to match. Build once (TermMatcher does), reuse."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog
        self._vocabularies: dict[str, LanguageVocabulary] = dict(catalog.languages)
        self._substrings: dict[str, dict[str, list[_Name]]] = {}  # ko, zh: first character -> names
        self._words: dict[str, dict[str, list[_Name]]] = {}  # ru, mn, ar: first word's key -> names
        self._word_keys: dict[str, set[str]] = {}
        self._mn_prefixes: dict[str, tuple[str, int]] = {}  # written form -> (name word, letters it may add)
        self._stem_cache: dict[str, str] = {}
        self._ru_long_stems: set[str] = set()
        self._russian = None
        if "ru" in self._vocabularies:
            import Stemmer  # PyStemmer (Snowball), pinned for bm25s

            self._russian = Stemmer.Stemmer("russian")
        for code, vocabulary in self._vocabularies.items():
            if code in _SUBSTRING_LANGUAGES:
                self._substrings[code] = self._substring_index(vocabulary)
            else:
                self._words[code] = self._word_index(code, vocabulary)
                self._word_keys[code] = set().union(*(name.key for names in self._words[code].values()
                                                      for name in names)) if self._words[code] else set()

    # --- building ------------------------------------------------------------------------------

    def _label(self, kind: str, row_id: str) -> tuple[str, bool | None]:
        table = {"condition": self._catalog.conditions, "service": self._catalog.services,
                 "relation": self._catalog.relations, "unit": self._catalog.units,
                 "hospital": self._catalog.hospitals, "organization": self._catalog.organizations,
                 "out_of_scope": self._catalog.out_of_scope}[kind]
        row = table[row_id]
        return row.name, (row.is_child if kind == "relation" else None)

    def _substring_index(self, vocabulary: LanguageVocabulary) -> dict[str, list[_Name]]:
        index: dict[str, list[_Name]] = {}
        for term in vocabulary.terms:
            folded, _ = normalise(term.text)
            spaces, key = set(), ""
            for char in folded:
                if char.isspace():
                    spaces.add(len(key))
                else:
                    key += char
            name, is_child = self._label(term.kind, term.id)
            index.setdefault(key[0], []).append(_Name(term.kind, term.id, name, term.text, key, frozenset(spaces),
                                                      term.whole_word, term.case_sensitive, is_child))
        for names in index.values():
            names.sort(key=lambda n: -len(n.key))
        return index

    def _word_index(self, code: str, vocabulary: LanguageVocabulary) -> dict[str, list[_Name]]:
        index: dict[str, list[_Name]] = {}
        for term in vocabulary.terms:
            words = _WORD.findall(normalise(term.text)[0])
            if not words:
                continue
            keys = tuple(self._name_word_key(code, word, term.whole_word) for word in words)
            name, is_child = self._label(term.kind, term.id)
            index.setdefault(keys[0], []).append(_Name(term.kind, term.id, name, term.text, keys,
                                                       whole_word=term.whole_word, case_sensitive=term.case_sensitive,
                                                       is_child=is_child))
        for names in index.values():
            names.sort(key=lambda n: -len(n.key))
        return index

    def _name_word_key(self, code: str, word: str, whole_word: bool) -> str:
        """How a vocabulary word is looked up: "=" + the word for one matched as written, else its stem
        (ru), itself with its prefix forms registered (mn), itself without the article (ar)."""
        if code == "ar":
            bare = word[2:] if word.startswith("ال") and len(word) >= 4 else word
            return "=" + bare if whole_word else bare
        if whole_word or (code == "mn" and len(word) < 3):
            return "=" + word
        if code == "ru":
            stem = self._stem(word)
            if len(stem) >= _RU_LONG_STEM:
                self._ru_long_stems.add(stem)
            return stem
        for form in _mongolian_forms(word):
            extra = _MN_EXTRA_LONG if len(word) >= 4 else _MN_EXTRA_SHORT
            current = self._mn_prefixes.get(form)
            if current is None or len(current[0]) < len(word):
                self._mn_prefixes[form] = (word, extra)
        return word

    def _stem(self, word: str) -> str:
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stem_cache[word] = self._russian.stemWord(word)
        return stem

    # --- matching ------------------------------------------------------------------------------

    def find(self, text: str) -> list[base.TermMatch]:
        """Every name and age in the languages whose script `text` has (overlapping matches included:
        `TermMatcher.find_all` keeps the longest of each kind)."""
        codes = [code for code in self._vocabularies if _SCRIPTS[code].search(text)]
        if not codes:
            return []
        if "ru" in codes and _MONGOLIAN_ONLY.search(text):
            codes.remove("ru")
        normalised, origin = normalise(text)
        found: list[base.TermMatch] = []
        for code in codes:
            vocabulary = self._vocabularies[code]
            if code in _SUBSTRING_LANGUAGES:
                matches = self._find_substrings(code, vocabulary, text, normalised, origin)
            else:
                matches = self._find_words(code, vocabulary, text, normalised, origin)
            found += _without_names_in_places(matches)
            found += ages.find_ages(code, vocabulary, text, normalised, origin, self._catalog.adult_from_age)
        return found

    def _find_substrings(self, code: str, vocabulary: LanguageVocabulary, text: str, normalised: str,
                         origin: list[int]) -> list[base.TermMatch]:
        index = self._substrings[code]
        positions = [i for i, char in enumerate(normalised) if not char.isspace()]
        compact = "".join(normalised[i] for i in positions)
        found = []
        for i, char in enumerate(compact):
            for name in index.get(char, ()):
                if not compact.startswith(name.key, i):
                    continue
                size = len(name.key)
                gaps = [k for k in range(1, size) if positions[i + k] - positions[i + k - 1] > 1]
                if any(k not in name.spaces and (k < 2 or size - k < 2) for k in gaps):
                    continue  # "아이 식사" holds no 이식
                start, end = origin[positions[i]], origin[positions[i + size - 1]] + 1
                if _LATIN_OR_DIGIT.match(name.key[0]) and start > 0 and _LATIN_OR_DIGIT.match(text[start - 1]):
                    continue
                if _LATIN_OR_DIGIT.match(name.key[-1]) and end < len(text) and _LATIN_OR_DIGIT.match(text[end]):
                    continue
                if name.whole_word and not _stands_alone(text, start, end, vocabulary):
                    continue
                match = _match(name, text, start, end)
                if match is not None:
                    found.append(match)
        return found

    def _find_words(self, code: str, vocabulary: LanguageVocabulary, text: str, normalised: str,
                    origin: list[int]) -> list[base.TermMatch]:
        index, known = self._words[code], self._word_keys[code]
        spans = [(m.start(), m.end()) for m in _WORD.finditer(normalised)]
        keys = [{key: cost for key, cost in self._text_word_keys(code, vocabulary, normalised[s:e]).items()
                 if key in known} for s, e in spans]
        found: list[tuple[int, base.TermMatch]] = []
        for i, word_keys in enumerate(keys):
            for key in sorted(word_keys, key=lambda k: (word_keys[k], k)):
                for name in index.get(key, ()):
                    size = len(name.key)
                    if i + size > len(spans) or not all(name.key[j] in keys[i + j] for j in range(1, size)):
                        continue
                    if not all(_WORD_GAP.fullmatch(normalised[spans[i + j - 1][1]:spans[i + j][0]])
                               for j in range(1, size)):
                        continue
                    match = _match(name, text, origin[spans[i][0]], origin[spans[i + size - 1][1] - 1] + 1)
                    if match is not None:
                        found.append((sum(keys[i + j][name.key[j]] for j in range(size)), match))
        # the reading that sets aside least first, so that it wins a tie for the same words in
        # TermMatcher.find_all ("хүүхдийг" adds 3 letters to "хүүхэд", a child, and 5 to "хүү", a son)
        return [match for _, match in sorted(found, key=lambda pair: pair[0])]

    def _text_word_keys(self, code: str, vocabulary: LanguageVocabulary, word: str) -> dict[str, int]:
        """Every key a word of the text may be looked up by (see `_name_word_key`), with how much of the
        word it sets aside (0: nothing or a prefix; more: a suffix, or the letters a Mongolian word adds)."""
        if word in vocabulary.unrelated_words:
            return {"=" + word: 0}
        if code == "ru":
            keys = {"=" + word: 0, self._stem(word): 0}
            # Snowball takes "-ому" of "меланому" (a noun in -ома) for an adjective's ending and stems it
            # "мелан": a text word that begins with a vocabulary stem of five letters or more and adds at
            # most _RU_EXTRA letters is that word too
            for length in range(len(word) - 1, max(_RU_LONG_STEM, len(word) - _RU_EXTRA) - 1, -1):
                if word[:length] in self._ru_long_stems:
                    keys.setdefault(word[:length], 1)
                    break
            return keys
        if code == "mn":
            # every vocabulary word the text word begins with, the fewer letters added the better
            # ("хүүхдийг" is a child before it is a son, "хавдрын" is itself before it is "хавдар")
            keys = {"=" + word: 0}
            for length in range(len(word), 2, -1):
                found = self._mn_prefixes.get(word[:length])
                if found is not None and len(word) - length <= found[1]:
                    keys.setdefault(found[0], len(word) - length)
            return keys
        keys: dict[str, int] = {}
        for prefix in _AR_PREFIXES:
            if not word.startswith(prefix) or len(word) - len(prefix) < 2:
                continue
            rest = word[len(prefix):]
            keys.setdefault(rest, 0)
            keys.setdefault("=" + rest, 0)
            for suffix in _AR_SUFFIXES:
                if rest.endswith(suffix) and len(rest) - len(suffix) >= 3:
                    stem = rest[:-len(suffix)]
                    keys.setdefault(stem, 1)
                    if stem.endswith("ت"):
                        keys.setdefault(stem[:-1] + "ه", 1)  # ta marbuta before a pronoun: زوجتي is زوجة + ي
        return keys


def _mongolian_forms(word: str) -> list[str]:
    """A Mongolian name word and, where its last syllable has one short vowel between consonants, the
    form without that vowel that the language writes before a suffix ("хавдар" -> "хавдр")."""
    forms = [word]
    if (len(word) >= 4 and word[-2] in _MN_VOWELS and word[-1] not in _MN_VOWELS | {"й", "ь", "ъ"}
            and word[-3] not in _MN_VOWELS):
        forms.append(word[:-2] + word[-1])
    return forms


def _stands_alone(text: str, start: int, end: int, vocabulary: LanguageVocabulary) -> bool:
    """Whether a short word stands as a word of its own: a non-letter on each side, or a word the
    language writes onto it (Korean "우리딸", "암이", "암환자"), and not the start of a word the file
    lists as another word (애인, a lover, is 애 + the copula's 인 by the letters)."""
    lowered = text.lower()
    if any(lowered.startswith(word, start) for word in vocabulary.unrelated_words):
        return False
    before = start == 0 or not text[start - 1].isalpha() or any(lowered.endswith(w, 0, start)
                                                                for w in vocabulary.joins_before)
    after = end == len(text) or not text[end].isalpha() or any(lowered.startswith(w, end)
                                                              for w in vocabulary.joins_after)
    return before and after


def _match(name: _Name, text: str, start: int, end: int) -> base.TermMatch | None:
    while end < len(text) and (_ARABIC_MARKS.match(text[end]) or unicodedata.combining(text[end])):
        end += 1  # the vowel mark on the last letter belongs to the word ("بِالسَّرَطَانِ")
    surface = text[start:end]
    if name.case_sensitive and " ".join(surface.split()) != name.text:
        return None
    return base.TermMatch(name.kind, name.id, name.name, surface, start, end, is_child=name.is_child)


def _without_names_in_places(matches: list[base.TermMatch]) -> list[base.TermMatch]:
    """A unit's or hospital's name says where, not who the patient is or what they have: "소아청소년과"
    (pediatrics) holds 청소년 (a teenager), "血液肿瘤科" (hematology-oncology) holds 血液肿瘤 (a blood cancer)."""
    places = [m for m in matches if m.kind in (base.UNIT, base.HOSPITAL, base.ORGANIZATION)]
    return [m for m in matches if m.kind in (base.UNIT, base.HOSPITAL, base.ORGANIZATION)
            or not any(p.start <= m.start and m.end <= p.end for p in places)]
