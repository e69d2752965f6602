"""The language of a message (languages/): right on sentences in each of the six languages, undecided on
what tells no language (references, codes, names, emails, one-word replies), built once per process."""
from __future__ import annotations

import pytest

from languages import LANGUAGES, UNDECIDED
from languages.detection import detect_language, detector
from languages.cyrillic import settle_cyrillic

# Sentences written for this test, as patients write to the bot (not the evaluation's cases).
SENTENCES = {
    "en": ["Which hospital treats childhood leukemia in Seoul?", "my father needs a second opinion on his scan",
           "can we send the biopsy report by email before we fly", "thank you so much for the information"],
    "ko": ["서울에서 소아 백혈병 치료하는 병원이 어디인가요?", "아버지 검사 결과에 대해 다른 의견을 듣고 싶어요",
           "비행기 타기 전에 조직검사 결과를 보내도 되나요", "정보 주셔서 정말 감사합니다"],
    "ru": ["Какая больница в Сеуле лечит детский лейкоз?", "отцу нужно второе мнение по снимкам",
           "можно ли отправить результаты биопсии до перелёта", "большое спасибо за информацию"],
    "zh": ["首尔哪家医院治疗儿童白血病？", "我父亲想听听别的医生对片子的意见",
           "坐飞机之前可以先把活检报告发过去吗", "非常感谢您的信息"],
    "mn": ["Сөүлд хүүхдийн цусны хорт хавдрыг аль эмнэлэг эмчилдэг вэ?", "Аавын зураг дээр өөр эмчийн санал авмаар байна",
           "Онгоцоор нисэхээс өмнө эдийн шинжилгээний хариуг илгээж болох уу", "Мэдээлэл өгсөнд маш их баярлалаа",
           "Би эмнэлэг хайж байна"],  # no ө or ү: the models alone tell it from Russian
    "ar": ["أي مستشفى في سيول يعالج سرطان الدم عند الأطفال؟", "أبي يحتاج رأيًا ثانيًا في صور الأشعة",
           "هل يمكن إرسال تقرير الخزعة قبل السفر", "شكرًا جزيلًا على المعلومات"],
}

SHORT_OR_MIXED = ["CAR-T?", "KCR-2026-00417", "39.1", "Kim Min-jun", "Ali Hassan", "Батболд", "ok", "yes",
                  "нет", "네", "好", "لا", "patient@example.com", "HSCT", "R-CHOP?", "https://www.snuh.org",
                  "Dr. Park Ji-sung", "+82 10 1234 5678"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_is_told_on_sentences(language):
    detected = [detect_language(text) for text in SENTENCES[language]]
    assert detected == [language] * len(SENTENCES[language])


@pytest.mark.parametrize("text", SHORT_OR_MIXED)
def test_short_or_mixed_messages_are_undecided(text):
    assert detect_language(text) is UNDECIDED


@pytest.mark.parametrize("text", ["ابوي طاح", "امي ما تصحى", "لا شكرا"])
def test_two_short_arabic_words_decide_arabic(text):
    """Arabic writes few letters per word and no other language of the six uses its script: an emergency
    of two words ("my dad fell") is answered in Arabic from the first message."""
    assert detect_language(text) == "ar"


def test_a_code_inside_a_sentence_does_not_hide_its_language():
    assert detect_language("엄마가 CAR-T 치료 후에 계속 피곤해해요") == "ko"
    assert detect_language("妈妈体温38.8，在做化疗") == "zh"
    assert detect_language("моя ссылка KCR-2026-00417, какой статус заявки?") == "ru"


def test_mongolian_only_letters_settle_cyrillic():
    assert settle_cyrillic("өвдөж байна", "ru") == "mn"
    assert settle_cyrillic("болит голова", "ru") == "ru"
    assert settle_cyrillic("Би эмнэлэг хайж байна", "mn") == "mn"


def test_the_detector_is_built_once_per_process():
    assert detector() is detector()
