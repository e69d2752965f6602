"""Ages as patients write them in Korean, Chinese, Russian, Mongolian and Arabic.

"45세", "5살", "다섯 살", "45 лет", "7-летний", "мне 52", "5岁", "五岁", "45 настай", "5 нас", "عمري 45",
"عمره 5 سنوات", "ابن 5 سنوات" give an AGE match as the English ages do (knowledge.matcher's `TermMatch`
of kind "age": the number, `is_child` by the project's adult age, `subject` "self" when the writer gives
their own age). The match's span is the number only, as the languages' NLU data annotates it
("[45]살", "[7] лет", "عمره [70]"). Ages given in months ("8개월 된 아기", "8个月大", "8 месяцев") are 0.
Read from the normalised text of knowledge/matcher_languages.py (ASCII digits, Arabic letters folded).

A bare number is an age where the words before it ask or say one and nothing after it measures something
else: "나이는 47", "возраст 9", "женщина 41", "сыну ... будет 18", "她今年45", "他66了", "80多了", "Миний нас 29",
"Нөхөр маань, 44", "80 гарсан", "انثى 27", "توه صار 18", and Arabizi "3omri 47" (read when the message is read
as Arabic in Latin letters).

What is left out on purpose, as a time and not an age: "3 года назад", "через 2 года", "منذ 3 سنوات",
"18세 이상" (a limit), "18岁以上", "今年5月" (a month), "маань 39 хэм" (a temperature), "маань 3 хүүхэдтэй".
"""
from __future__ import annotations

import re

import knowledge.matcher as base  # circular on purpose: only read at call time
from knowledge.vocabulary_languages import LanguageVocabulary

_DIGITS = r"\d{1,3}"
_TENS = {20, 30, 40, 50, 60, 70, 80, 90}
_TENS_BEFORE = re.compile(r"(\w+)\s+$")
_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _number_words(vocabulary: LanguageVocabulary) -> dict[str, int]:
    """The language's number words as the normalised text spells them ("ثلاثة" -> "ثلاثه")."""
    from knowledge.matcher_languages import normalise  # imported here: that module imports this one

    return {normalise(word)[0]: value for word, value in vocabulary.number_words.items()}


def _number_group(numbers: dict[str, int]) -> str:
    """Digits or one of the language's number words, longest first, as the group `n`."""
    words = sorted(numbers, key=len, reverse=True)
    # a number word must begin a word ("한 살", not the 한 of "이상한")
    # not a piece of "1,500" or "3.5" ("，" before a number is a comma after NFKC: "本人女，45岁")
    return rf"(?P<n>(?<!\d)(?<!\d[.,]){_DIGITS}(?!\d)(?![.,]\d)" + "".join(rf"|(?<!\w){re.escape(w)}" for w in words) + ")"


# Each language: (pattern, what it gives) where "years" is an age in years and "months" one under a year;
# `self` is a group that says the writer speaks of themself. Patterns are built per vocabulary (number words).
def _patterns(code: str, n: str) -> list[tuple[re.Pattern, str]]:
    # a number that ends what is said: a bare age ("나이는 47", "женщина 41,") is followed by nothing that
    # measures something else
    digits = r"(?P<n>(?<!\d)(?<!\d[.,])\d{1,3}(?!\d)(?![.,]\d))"
    if code == "ko":
        return [
            (re.compile(rf"(?:나이|연세)(?:는요|는|가|요)?\s*:?\s*(?:만\s*)?{digits}(?=\s*(?:$|[,.!?~]|세|살|이에요|입니다|예요))"),
             "years"),
            (re.compile(rf"(?:(?P<self>저는|제가|나는|내가|본인은?)\s*)?(?:만\s*)?{n}\s?(?:세|살)(?!대|기|\s?(?:이상|이하|미만|부터))"),
             "years"),
            (re.compile(rf"생후\s*{n}\s?개월"), "months"),
            (re.compile(rf"{n}\s?개월\s?(?=된|짜리|아기|애기|아이|이에요|예요|입니다|인데|밖에)"), "months"),
        ]
    if code == "zh":
        chinese = r"|[一二两三四五六七八九十]{1,3}"
        n = n[:-1] + chinese + ")"
        return [
            (re.compile(rf"(?:(?P<self>我|本人)(?:今年|现在|已经|才)?)?{n}\s?(?:周岁|岁)(?!以上|以下|之前)"), "years"),
            # "她今年45", "我今年38"; "他66了", "80多了" (not "今年5月", "化疗3次了")
            (re.compile(rf"(?:(?P<self>我)\s*)?今年\s*{n}(?=\s*(?:$|[，,。.!！?？;；、]|多|了|岁|周岁))"), "years"),
            (re.compile(rf"(?:^|(?<=[他她我，,、\s])){n}多?了(?=\s*(?:$|[，,。.!！?？;；]))"), "years"),
            (re.compile(rf"{n}\s?个?多?月(?:大|的(?:宝宝|孩子|婴儿|小孩))"), "months"),
        ]
    if code == "ru":
        dative = (r"мне|ему|ей|сыну|сыночку|дочери|дочке|доче|маме|матери|папе|отцу|мужу|жене|ребенку|малышу|"
                  r"брату|сестре|бабушке|дедушке|внуку|внучке|племяннику|племяннице")
        return [
            (re.compile(rf"(?<!через )(?<!за )(?<!течение )(?<!последние )(?<!около )(?<!более )(?<!больше )"
                        rf"(?:(?P<self>мне|я)\s+)?{n}\s?-?\s?(?:лет|года|год|годика|годик|годиков|годков|г\.)"
                        rf"(?![а-я])(?!\s*(?:назад|тому))"), "years"),
            (re.compile(rf"{n}\s?-?\s?(?:х\s?-?\s?)?летн[а-я]+"), "years"),
            (re.compile(rf"(?:^|(?<=[^а-я]))(?:(?P<self>мне)|{dative})\s+{n}(?!\s*(?:%|см|мм|мл|раз|д[ен]|недел|час|"
                        rf"мин|руб|тыс|доз|курс|цикл|стади|степен|г\b|кг|месяц|мес|[.,]\d)|\s*(?:лет|год[а-я]*)\s+(?:назад|тому))"),
             "years"),
            (re.compile(rf"(?:{dative})\s+{n}\s?(?:месяц[а-я]*|мес\.?)"), "months"),
            # "возраст 9", "женщина 41", "она подросток, 16", "сыну ... будет 18"
            (re.compile(rf"(?:^|(?<=[^а-я]))(?:возраст|женщина|мужчина|девушка|девочка|мальчик|парень|пациентка|пациент|"
                        rf"подросток|ребенок|будет|исполнилось|исполнится|исполняется)\s*[:,\-–]?\s*{digits}"
                        rf"(?=\s*(?:$|[,.!?;)]|лет|год))"), "years"),
        ]
    if code == "mn":
        return [
            (re.compile(rf"(?:(?P<self>би|миний нас)\s+)?{n}\s?-?\s?нас(?![а-яөү]*\s+бар)"), "years"),
            (re.compile(rf"{n}\s?-?\s?сартай"), "months"),
            # "Миний нас 29", "нас 9"; "80 гарсан", "52 хүрсэн"; "Нөхөр маань, 44"
            (re.compile(rf"(?:(?P<self>миний)\s+)?(?<![а-яөү])нас(?:\s+нь)?\s*[:\-]?\s*{digits}(?=\s*(?:$|[,.!?;]))"),
             "years"),
            (re.compile(rf"{digits}\s*(?:гарсан|хүрсэн|хүрч|хүрэх)"), "years"),
            (re.compile(rf"(?<![а-яөү])маань\s*,?\s*{digits}(?=\s*(?:$|[,.!?;]))"), "years"),
        ]
    if code == "ar":
        unit = r"(?:\s*(?:سنه|سنوات|سنين|عام|اعوام|شهور|اشهر|شهر))?"
        return [
            (re.compile(rf"(?:ال)?عمر(?P<self>ي)?(?:ه|ها|هم|ك|نا)?\s+(?:(?:تقريبا|الان|حاليا|هو|هي)\s+)?{n}{unit}"),
             "years"),
            (re.compile(rf"(?:(?:^|(?<=\s))(?:ابن|بنت|بعمر|بسن|في\s+عمر|في\s+سن)\s+){n}{unit}"), "years"),
            # "انثى 27", "ذكر 40"; "توه صار 18"; Arabizi "3omri 47"
            (re.compile(rf"(?:^|(?<=\s))(?:انثي|ذكر|امراه|رجل)\s+{digits}(?=\s*(?:$|[,.!?;،؟]|سنه|سنوات|عام))"), "years"),
            (re.compile(rf"(?:^|(?<=\s))صار(?:ت)?\s+(?:عمر(?:ه|ها|ي)\s+)?{digits}(?=\s*(?:$|[,.!?;،؟]|سنه|سنوات|عام))"),
             "years"),
            (re.compile(rf"(?<![a-z0-9])3omr(?P<self>i)?[a-z]*\s+{digits}"), "years"),
            (re.compile(rf"(?<!منذ )(?<!من )(?<!قبل )(?<!مده )(?<!لمده )(?<!خلال )(?<!بعد )(?<!له )(?<!لها )"
                        rf"(?<!حوالي )(?<!اخر ){n}\s*(?:سنه|سنوات|سنين|عام|اعوام)(?!\s*(?:مضت|ماضيه|فاتت|وهو|وهي))"),
             "years"),
        ]
    return []


_CACHE: dict[tuple[str, int], tuple[dict[str, int], list[tuple[re.Pattern, str]]]] = {}


def find_ages(code: str, vocabulary: LanguageVocabulary, text: str, normalised: str, origin: list[int],
              adult_from_age: int) -> list[base.TermMatch]:
    """The ages `normalised` (the normalised `text`, `origin` its characters' places in `text`) gives in
    language `code`, as AGE matches over the number's characters in `text`, each number once."""
    key = (code, id(vocabulary))
    if key not in _CACHE:
        numbers = _number_words(vocabulary)
        _CACHE[key] = numbers, _patterns(code, _number_group(numbers))
    numbers, patterns = _CACHE[key]
    found: dict[int, base.TermMatch] = {}
    for pattern, meaning in patterns:
        for match in pattern.finditer(normalised):
            value = _value(match.group("n"), numbers)
            number_start = match.start("n")
            tens = _TENS_BEFORE.search(normalised, max(0, number_start - 30), number_start)
            if value is not None and value < 10 and tens and numbers.get(tens.group(1), 0) in _TENS:
                # "дөчин таван настай", "сорок пять лет": 45, not 5
                value += numbers[tens.group(1)]
                number_start = tens.start(1)
            if value is None or not 0 <= value <= 120 or number_start in found:
                continue
            if meaning == "years" and _followed_by_months(normalised, match):
                value = 0
            elif meaning == "months":
                value = 0
            start, end = origin[number_start], origin[match.end("n") - 1] + 1
            said_by_self = "self" in pattern.groupindex and match.group("self") is not None
            found[number_start] = base.TermMatch(
                base.AGE, base.AGE, base.AGE, text[start:end], start, end, age=value,
                is_child=value < adult_from_age, subject="self" if said_by_self else None)
    return [found[position] for position in sorted(found)]


def _followed_by_months(normalised: str, match: re.Match) -> bool:
    return bool(re.match(r"\s*(?:месяц|мес\b|개월|个月|сар|شهر|شهور|اشهر)", normalised[match.end("n"):]))


def _value(raw: str, numbers: dict[str, int]) -> int | None:
    """The whole number written as digits, a number word of the language, or Chinese numerals."""
    if raw.isdecimal():
        return int(raw)
    if raw in numbers:
        return numbers[raw]
    if all(ch in _CHINESE_DIGITS or ch == "十" for ch in raw):
        tens, _, units = raw.partition("十")
        if "十" not in raw:
            return _CHINESE_DIGITS[raw] if len(raw) == 1 else None
        value = (_CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10
        return value + (_CHINESE_DIGITS.get(units, 0) if units else 0)
    return None
