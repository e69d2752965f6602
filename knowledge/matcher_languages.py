"""The term matcher's words in Korean, Chinese, Russian, Mongolian and Arabic (issue #15).

`LanguageMatcher.find(text)` gives the same `TermMatch` kinds, ids and canonical (English) names as the
English names do, with character offsets into the original text, so routing and the NLU component work
unchanged; `TermMatcher.find_all` adds its matches to the English ones. A language is read only when its
script is in the message (Hangul, Han, Cyrillic, Arabic letters) or, in Latin letters, one of its marker
words (below), so English messages are read as before.
The words are data: `vocabulary/languages/<code>.yml` (knowledge/vocabulary_languages.py).

Both sides are normalised the same way, keeping each character's place so that offsets map back: NFKC (full-width
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
  Chinese terms have at least two characters (the loader refuses one): a one-character word is written
  with the characters around it, its word in brackets ("我[妈]", "颗[痣]", "得了[癌]"), and the match is that
  word.
- Russian inflects ("лейкоз, лейкоза, лейкозом", "рака яичников"): words are compared by their Snowball
  stems (PyStemmer, already installed for bm25s: a maintained stemmer rather than hand-written suffix
  rules), and a text word that begins with a vocabulary stem of five letters or more and adds at most
  three letters is that word too (Snowball stems "меланому" as "мелан"). A `whole_word` term is compared
  as written.
- Mongolian has no Snowball stemmer. A name word of three letters or more matches a text word that starts
  with it and is at most `_MN_EXTRA_LONG` (four-letter words and longer) or `_MN_EXTRA_SHORT` (three
  letters) letters longer ("хавдартай", "лейкозтой", "ээжийнхээ"), also with its last short vowel dropped
  as the language drops it before a suffix ("хавдар" -> "хавдрын", "хүүхэд" -> "хүүхдийг"), a loanword
  without its final vowel ("меланома" -> "меланомыг", "меланомд") and a verb without its infinitive's -х
  ("суулгах" -> "суулгасны", "шилжүүлэх" -> "шилжүүлэн"); of two readings of the same words the one adding
  fewer letters wins ("хүүхдийг" is a child, not a son "хүү"); shorter words match as written. An
  `unrelated_words` entry stops every text word that begins with it ("хүүдий", a pouch, is no son).
- Arabic attaches the conjunctions and prepositions و ف ب ل ك and the article ال to the next word
  ("والسرطان", "بسرطان الدم", "للأطفال"), and the possessive pronouns to the end ("ابني", "زوجتي"): every
  reading of a text word with those prefixes taken off (and then one pronoun suffix) is looked up, and
  the vocabulary's words are compared without their article. Snowball's Arabic stemmer was tried and
  left out: it stems "سرطان" and "السرطان" differently and leaves "الدم" whole, so it would miss the
  commonest forms.

Two more rules hold in every language:

- `unrelated_words` may be phrases: nothing is read inside an occurrence ("欧洲妇科肿瘤学会", a society,
  holds no gynecologic tumor; "хавдар судлаач", an oncologist, no tumor; "진단검사의학과" no diagnosis);
- a term may bracket its word ("[점]이 커", "в [протокол]", "عن [نفسي]"): the words around it must be there,
  and the match is the bracketed word only (knowledge/vocabulary_languages.py).

Latin letters. Patients also write Russian, Mongolian and Arabic in Latin letters ("u muzha rak zheludka",
"eej mani hort havdartai", "3ndi sarataan el dam"). A message with none of the language's script is read
in Latin for the language only when one of its file's `latin: markers` stands in it as a word ("dlya",
"posle"; "mani", "uu"; "3ndi", "lel"): none is a common English word, so English messages are read as before.
Russian is then spelt back in Cyrillic letter by letter ("zh" ж, "kh"/"h" х, "ya" я, "y" ы or й) and read
as Russian, ages included ("dochke 10 let"); Mongolian likewise, compared with the vocabulary in a loose
spelling where о ө у ү are one letter, е э one, ы й ь и one and doubled letters single, as Latin
letters cannot tell them apart ("huuhded" хүүхдэд, "honguvchluh" хөнгөвчлөх; a word shorter than
`_MN_LOOSE_PREFIX` letters there is matched only as written, "huu" хүү); Arabic (Arabizi, ع as 3,
ح as 7) by the file's terms written in Latin letters ("zar3 nokha3", "saratan el kabed"), word for word.

Ages ("45세", "5 лет", "5岁", "45 настай", "عمري 45") are read by knowledge/matcher_language_ages.py.
`word_count` is how knowledge.matcher ranks overlapping names: Chinese has no spaces to count words by.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import knowledge.matcher as base  # circular on purpose: only read at call time
from knowledge import matcher_language_ages as ages
from knowledge.catalog import Catalog
from knowledge.vocabulary_languages import LanguageTerm, LanguageVocabulary

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
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")

_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # tashkeel, tatweel
_INVISIBLE = {"\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"}
_NEEDS_DROPPING = re.compile("[" + "".join(sorted(_INVISIBLE)) + r"\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({
    "ё": "е", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ک": "ك", "ی": "ي", "٫": ".", "٬": ",",
    **{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)},
})
_WORD = re.compile(r"[^\W\d_]+")
_LATIN_WORD = re.compile(r"[a-z0-9']*[a-z][a-z0-9']*")  # Arabizi writes letters as digits: "zar3", "7arara"
_LATIN_TERM = re.compile(r"[a-z0-9' \-]+")
_LATIN_LETTER = re.compile(r"[a-z]", re.IGNORECASE)
_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]", re.IGNORECASE)
# between two words of one name: spaces or a hyphen, never a comma or a full stop
_WORD_GAP = re.compile(r"[\s\-‐–]*")
# the kind of a file's unrelated words and phrases while matching: they hide what is inside them, and are
# never returned
UNRELATED = "unrelated"

_MN_EXTRA_LONG, _MN_EXTRA_SHORT = 7, 6
_MN_LOOSE_PREFIX = 4  # in the loose spelling of Latin letters, shorter words match only as written
_RU_LONG_STEM, _RU_EXTRA = 5, 3
_MN_VOWELS = set("аэиоуөүыеёюя")
# the conjunctions and prepositions written onto the next word, with or without the article after them
_AR_CLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك")
_AR_PREFIXES = tuple(sorted({c + a for c in _AR_CLITICS for a in ("", "ال")} | {"لل", "ولل", "فلل"}, key=len))
_AR_SUFFIXES = ("ي", "ه", "ها", "نا", "ك", "كم", "هم", "هن", "ات", "يه")  # pronouns; "ات" for plurals

# Latin letters spelt back in Cyrillic, longest first ("shch" before "sh" before "s")
_RU_LATIN = (("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
             ("ya", "я"), ("yu", "ю"), ("yo", "е"), ("ye", "е"),
             ("a", "а"), ("b", "б"), ("c", "ц"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"),
             ("i", "и"), ("j", "ж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"),
             ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"), ("z", "з"),
             ("'", "ь"))
_MN_LATIN = (("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("zh", "ж"), ("ya", "я"), ("yu", "ю"),
             ("yo", "ё"), ("ye", "е"), ("a", "а"), ("b", "б"), ("c", "ц"), ("d", "д"), ("e", "э"), ("f", "ф"),
             ("g", "г"), ("h", "х"), ("i", "и"), ("j", "ж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
             ("o", "о"), ("p", "п"), ("q", "ө"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"),
             ("w", "в"), ("x", "х"), ("z", "з"), ("'", "ь"))
_LATIN_VOWELS = set("aeiouy")
# Mongolian in Latin letters cannot tell these apart: the loose spelling both sides are compared in
_MN_LOOSE = str.maketrans({"ө": "у", "о": "у", "ү": "у", "е": "э", "ё": "у", "ы": "и", "й": "и", "ь": "и",
                           "ъ": None})


def normalise(text: str) -> tuple[str, list[int]]:
    """`text` folded as the module's docstring says, and for each character of the result the index of
    the original character it comes from."""
    if unicodedata.is_normalized("NFKC", text) and not _NEEDS_DROPPING.search(text):
        lowered = text.lower()
        if len(lowered) == len(text):  # one character for one: the common case, at string speed
            return lowered.translate(_FOLD), list(range(len(text)))
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


def word_count(text: str) -> int:
    """How many words a matched name has, for ranking overlapping names (knowledge.matcher): its
    space-separated words, a run of Chinese characters counting one word for every two characters, as
    Chinese words mostly have two ("卵巢癌手术", ovarian cancer surgery, outranks "卵巢癌" as in English)."""
    words = text.split()
    if not _HAN_RUN.search(text):
        return len(words)
    return sum(max(1, sum((len(run) + 1) // 2 for run in _HAN_RUN.findall(word))) for word in words)


def to_cyrillic(text: str, code: str) -> tuple[str, list[int], list[int]]:
    """Latin letters spelt back in Cyrillic (ru, mn), lower case, with each character's first and last
    (exclusive) index in `text` ("zh" -> ж covers two letters). A "y" before a vowel begins я ю е; else
    it is й after a vowel ("leykoz") and ы after a consonant ("mamy"); a Russian "j" is й unless a vowel
    follows ("lejkoz", "moj"; "koja" кожа)."""
    table = _RU_LATIN if code == "ru" else _MN_LATIN
    lowered = text.lower()
    out, origin, ends = [], [], []
    i = 0
    while i < len(lowered):
        char, following = lowered[i], lowered[i + 1:i + 2]
        if char == "y" and following not in ("a", "u", "o", "e"):
            latin, cyrillic = char, "й" if i > 0 and lowered[i - 1] in _LATIN_VOWELS else "ы"
        elif code == "ru" and char == "j" and following not in _LATIN_VOWELS:
            latin, cyrillic = char, "й"
        else:
            latin, cyrillic = next(((lat, cyr) for lat, cyr in table if lowered.startswith(lat, i)), (char, char))
        for letter in cyrillic:
            out.append(letter)
            origin.append(i)
            ends.append(i + len(latin))
        i += len(latin)
    return "".join(out), origin, ends


def _mn_loose(word: str) -> str:
    """A Mongolian word in the loose spelling Latin letters are compared in (see the module docstring)."""
    folded = word.translate(_MN_LOOSE)
    return "".join(char for k, char in enumerate(folded) if k == 0 or char != folded[k - 1])


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
    # the characters (ko, zh) or words (ru, mn, ar) of the key the match reports; None: all of them
    core: tuple[int, int] | None = None


@dataclass
class _Words:
    """One word-by-word reading (ru, mn, ar; and mn, ar in Latin letters): the names by their first word's
    key, every key a name word has, and (Mongolian) the written forms a text word may begin with ->
    (the name word's key, the letters it may add)."""

    index: dict[str, list[_Name]] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    prefixes: dict[str, tuple[str, int]] = field(default_factory=dict)


class LanguageMatcher:
    """Every language file of the catalog, ready to match. Build once (TermMatcher does), reuse."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog
        self._vocabularies: dict[str, LanguageVocabulary] = dict(catalog.languages)
        self._conditions = catalog.all_conditions()  # curated and terminology (doid_8692, myeloid leukemia)
        self._substrings: dict[str, dict[str, list[_Name]]] = {}  # ko, zh: first character -> names
        self._words: dict[str, _Words] = {}  # "ru", "mn", "ar", "mn-latin", "ar-latin" -> its reading
        self._unrelated = {code: frozenset(normalise(word)[0] for word in vocabulary.unrelated_words)
                           for code, vocabulary in self._vocabularies.items()}
        self._latin_markers = {code: vocabulary.latin_markers for code, vocabulary in self._vocabularies.items()
                               if vocabulary.latin_markers}
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

    # --- building ------------------------------------------------------------------------------

    def _label(self, kind: str, row_id: str) -> tuple[str, bool | None] | None:
        """The canonical name (and a relation's is_child) of a row; None for a terminology condition the
        catalog lacks (one loaded without the terminology): its words are left out."""
        if kind == UNRELATED:
            return "", None
        table = {"condition": self._conditions, "service": self._catalog.services,
                 "relation": self._catalog.relations, "unit": self._catalog.units,
                 "hospital": self._catalog.hospitals, "organization": self._catalog.organizations,
                 "out_of_scope": self._catalog.out_of_scope}[kind]
        row = table.get(row_id)
        if row is None:
            return None
        return row.name, (row.is_child if kind == "relation" else None)

    @staticmethod
    def _terms(vocabulary: LanguageVocabulary, whole_word_unrelated: bool) -> list[LanguageTerm]:
        """The file's terms and, as terms of kind UNRELATED, its unrelated words and phrases (a single word
        matched as written where `whole_word_unrelated`: the Russian stem of "хирург", a surgeon, is
        "хирургия"'s too)."""
        return [*vocabulary.terms, *(LanguageTerm(UNRELATED, UNRELATED, word,
                                                  whole_word=whole_word_unrelated and " " not in word)
                                     for word in sorted(vocabulary.unrelated_words))]

    def _substring_index(self, vocabulary: LanguageVocabulary) -> dict[str, list[_Name]]:
        index: dict[str, list[_Name]] = {}
        for term in self._terms(vocabulary, False):
            folded, origin = normalise(term.text)
            spaces, key, raw = set(), "", []
            for position, char in enumerate(folded):
                if char.isspace():
                    spaces.add(len(key))
                else:
                    key += char
                    raw.append(origin[position])
            label = self._label(term.kind, term.id)
            if label is None:
                continue
            name, is_child = label
            index.setdefault(key[0], []).append(_Name(
                term.kind, term.id, name, term.text, key, frozenset(spaces),
                term.whole_word and term.kind != UNRELATED, term.case_sensitive, is_child, _core(term, raw)))
        for names in index.values():
            names.sort(key=lambda n: -len(n.key))
        return index

    def _word_index(self, reading: str, vocabulary: LanguageVocabulary) -> _Words:
        words_of = _WORD
        terms = self._terms(vocabulary, reading == "ru")
        if reading == "ar-latin":  # the file's terms in Latin letters only (Arabizi)
            words_of = _LATIN_WORD
            terms = [t for t in terms if _LATIN_TERM.fullmatch(t.text.lower()) and _LATIN_LETTER.search(t.text)]
        elif reading == "mn-latin":  # its Cyrillic terms, compared in the loose spelling
            terms = [t for t in terms if not _LATIN_LETTER.search(t.text)]
        built = _Words()
        for term in terms:
            folded, origin = normalise(term.text)
            found = list(words_of.finditer(folded))
            if not found:
                continue
            label = self._label(term.kind, term.id)
            if label is None:
                continue
            name, is_child = label
            keys = tuple(self._name_word_key(reading, built, m.group(), term.whole_word) for m in found)
            built.index.setdefault(keys[0], []).append(_Name(
                term.kind, term.id, name, term.text, keys, whole_word=term.whole_word,
                case_sensitive=term.case_sensitive, is_child=is_child,
                core=_core(term, [origin[m.start()] for m in found])))
            built.known.update(keys)
        for names in built.index.values():
            names.sort(key=lambda n: -len(n.key))
        return built

    def _name_word_key(self, reading: str, built: _Words, word: str, whole_word: bool) -> str:
        """How a vocabulary word is looked up: "=" + the word for one matched as written, else its stem
        (ru), itself with its prefix forms registered (mn), itself without the article (ar)."""
        if reading == "ar":
            bare = word[2:] if word.startswith("ال") and len(word) >= 4 else word
            return "=" + bare if whole_word else bare
        if reading == "ar-latin":
            return "=" + word
        if reading == "mn-latin":
            loose = _mn_loose(word)
            if whole_word or len(loose) < _MN_LOOSE_PREFIX:
                return "=" + loose
            for form in {_mn_loose(f) for f in _mongolian_forms(word)}:
                self._register(built, form, loose, _MN_EXTRA_LONG if len(loose) >= 4 else _MN_EXTRA_SHORT)
            return loose
        if whole_word or (reading == "mn" and len(word) < 3):
            return "=" + word
        if reading == "ru":
            stem = self._stem(word)
            if len(stem) >= _RU_LONG_STEM:
                self._ru_long_stems.add(stem)
            return stem
        for form in _mongolian_forms(word):
            self._register(built, form, word, _MN_EXTRA_LONG if len(word) >= 4 else _MN_EXTRA_SHORT)
        return word

    @staticmethod
    def _register(built: _Words, form: str, word: str, extra: int) -> None:
        current = built.prefixes.get(form)
        if current is None or len(current[0]) < len(word):
            built.prefixes[form] = (word, extra)

    def _stem(self, word: str) -> str:
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stem_cache[word] = self._russian.stemWord(word)
        return stem

    def _reading(self, reading: str) -> _Words:
        """A word reading, the Latin ones built on their first message (most deployments never see one)."""
        built = self._words.get(reading)
        if built is None:
            built = self._words[reading] = self._word_index(reading, self._vocabularies[reading[:2]])
        return built

    # --- matching ------------------------------------------------------------------------------

    def find(self, text: str) -> list[base.TermMatch]:
        """Every name and age in the languages whose script `text` has, or whose Latin markers it has
        (overlapping matches included: `TermMatcher.find_all` keeps the longest of each kind)."""
        codes = [code for code in self._vocabularies if _SCRIPTS[code].search(text)]
        latin = []
        if self._latin_markers and _LATIN_LETTER.search(text):
            words = set(_LATIN_WORD.findall(text.lower()))
            latin = [code for code, markers in self._latin_markers.items()
                     if code not in codes and not words.isdisjoint(markers)]
        if not codes and not latin:
            return []
        if "ru" in codes and _MONGOLIAN_ONLY.search(text):
            codes.remove("ru")
        found: list[base.TermMatch] = []
        if codes:
            normalised, origin = normalise(text)
            for code in codes:
                vocabulary = self._vocabularies[code]
                if code in _SUBSTRING_LANGUAGES:
                    matches = self._find_substrings(code, vocabulary, text, normalised, origin)
                else:
                    matches = self._find_words(code, code, vocabulary, text, normalised, origin)
                found += _without_names_in_places(_unmasked(matches))
                found += ages.find_ages(code, vocabulary, text, normalised, origin, self._catalog.adult_from_age)
        for code in latin:
            vocabulary = self._vocabularies[code]
            if code == "ar":
                spelt = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
                origin = list(range(len(text)))
                matches = self._find_words("ar-latin", code, vocabulary, text, spelt, origin)
            else:
                spelt, origin, ends = to_cyrillic(text, code)
                reading = "ru" if code == "ru" else "mn-latin"
                matches = self._find_words(reading, code, vocabulary, text, spelt, origin, ends)
            found += _without_names_in_places(_unmasked(matches))
            found += ages.find_ages(code, vocabulary, text, spelt, origin, self._catalog.adult_from_age)
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
                if name.core is not None:  # the bracketed word of a term ("[점]이 커")
                    start = origin[positions[i + name.core[0]]]
                    end = origin[positions[i + name.core[1] - 1]] + 1
                match = _match(name, text, start, end)
                if match is not None:
                    found.append(match)
        return found

    def _find_words(self, reading: str, code: str, vocabulary: LanguageVocabulary, text: str, normalised: str,
                    origin: list[int], ends: list[int] | None = None) -> list[base.TermMatch]:
        """The names of one word reading in `normalised` (the text as that reading spells it: folded, or
        spelt back in Cyrillic), `origin` / `ends` its characters' first and last (exclusive) places in
        `text` (None: each character comes from one)."""
        built = self._reading(reading)
        index, known = built.index, built.known
        words_of = _LATIN_WORD if reading == "ar-latin" else _WORD
        spans = [(m.start(), m.end()) for m in words_of.finditer(normalised)]
        keys = [{key: cost for key, cost in self._text_word_keys(reading, code, built, normalised[s:e]).items()
                 if key in known} for s, e in spans]
        end_of = (lambda k: ends[k]) if ends is not None else (lambda k: origin[k] + 1)
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
                    first, last = (i + name.core[0], i + name.core[1] - 1) if name.core else (i, i + size - 1)
                    match = _match(name, text, origin[spans[first][0]], end_of(spans[last][1] - 1))
                    if match is not None:
                        found.append((sum(keys[i + j][name.key[j]] for j in range(size)), match))
        # the reading that sets aside least first, so that it wins a tie for the same words in
        # TermMatcher.find_all ("хүүхдийг" adds 3 letters to "хүүхэд", a child, and 5 to "хүү", a son)
        return [match for _, match in sorted(found, key=lambda pair: pair[0])]

    def _text_word_keys(self, reading: str, code: str, built: _Words, word: str) -> dict[str, int]:
        """Every key a word of the text may be looked up by (see `_name_word_key`), with how much of the
        word it sets aside (0: nothing or a prefix; more: a suffix, or the letters a Mongolian word adds)."""
        unrelated = self._unrelated[code]
        if reading == "ar-latin":
            return {"=" + word: 0}
        if reading in ("mn", "mn-latin"):
            # every vocabulary word the text word begins with, the fewer letters added the better
            # ("хүүхдийг" is a child before it is a son, "хавдрын" is itself before it is "хавдар")
            if reading == "mn-latin":
                word = _mn_loose(word)
                unrelated = frozenset(_mn_loose(u) for u in unrelated)
            keys = {"=" + word: 0}
            if any(word.startswith(other) for other in unrelated):
                return keys  # "хүүдийн" (of a pouch) is no son's
            shortest = _MN_LOOSE_PREFIX if reading == "mn-latin" else 3
            for length in range(len(word), shortest - 1, -1):
                found = built.prefixes.get(word[:length])
                if found is not None and len(word) - length <= found[1]:
                    keys.setdefault(found[0], len(word) - length)
            return keys
        if word in unrelated:
            return {"=" + word: 0}
        if reading == "ru":
            keys = {"=" + word: 0, self._stem(word): 0}
            # Snowball takes "-ому" of "меланому" (a noun in -ома) for an adjective's ending and stems it
            # "мелан": a text word that begins with a vocabulary stem of five letters or more and adds at
            # most _RU_EXTRA letters is that word too
            for length in range(len(word) - 1, max(_RU_LONG_STEM, len(word) - _RU_EXTRA) - 1, -1):
                if word[:length] in self._ru_long_stems:
                    keys.setdefault(word[:length], 1)
                    break
            return keys
        keys: dict[str, int] = {word: 0}  # a short word as it stands: the "t" of "CAR-T"
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


def _core(term: LanguageTerm, places: list[int]) -> tuple[int, int] | None:
    """The positions (characters or words, `places` their starts in the term's text) of a term's bracketed
    word, or None when it has none."""
    if term.core is None:
        return None
    inside = [k for k, place in enumerate(places) if term.core[0] <= place < term.core[1]]
    return (inside[0], inside[-1] + 1) if inside else None


def _mongolian_forms(word: str) -> list[str]:
    """A Mongolian name word and the forms the language writes it in before a suffix: without the short
    vowel of its last syllable ("хавдар" -> "хавдр"), a loanword without its final vowel ("меланома" ->
    "меланом": "меланомыг"), a verb without its infinitive's -х and the vowel before it ("суулгах" ->
    "суулг": "суулгасны"; "тогтоох" -> "тогтоо")."""
    forms = [word]
    consonant = lambda char: char not in _MN_VOWELS | {"й", "ь", "ъ"}  # noqa: E731
    if len(word) >= 4 and word[-2] in _MN_VOWELS and consonant(word[-1]) and consonant(word[-3]):
        forms.append(word[:-2] + word[-1])
    if len(word) >= 6 and word[-1] in "аяиеэо" and consonant(word[-2]):
        forms.append(word[:-1])
    if len(word) >= 6 and word[-1] == "х" and word[-2] in "аэоө":
        forms.append(word[:-1] if word[-3] == word[-2] else word[:-2] if consonant(word[-3]) else word)
    return list(dict.fromkeys(forms))


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


def _unmasked(matches: list[base.TermMatch]) -> list[base.TermMatch]:
    """The matches that lie inside none of the file's unrelated words and phrases ("欧洲妇科肿瘤学会", a
    society, holds no gynecologic tumor), without those."""
    masks = [m for m in matches if m.kind == UNRELATED]
    if not masks:
        return matches
    return [m for m in matches if m.kind != UNRELATED
            and not any(mask.start <= m.start and m.end <= mask.end for mask in masks)]


def _without_names_in_places(matches: list[base.TermMatch]) -> list[base.TermMatch]:
    """A unit's or hospital's name says where, not who the patient is or what they have: "소아청소년과"
    (pediatrics) holds 청소년 (a teenager), "血液肿瘤科" (hematology-oncology) holds 血液肿瘤 (a blood cancer)."""
    places = [m for m in matches if m.kind in (base.UNIT, base.HOSPITAL, base.ORGANIZATION)]
    return [m for m in matches if m.kind in (base.UNIT, base.HOSPITAL, base.ORGANIZATION)
            or not any(p.start <= m.start and m.end <= p.end for p in places)]
