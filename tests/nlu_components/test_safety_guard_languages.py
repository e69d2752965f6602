"""The safety guard in Korean, Russian, Chinese, Mongolian and Arabic (nlu_components/safety_patterns/):
red flags as patients write them escalate, the same words without an emergency do not. Sentences written
for these tests; the measured sets are evaluation/emergency_cases_<lang>.yml."""
from __future__ import annotations

import pytest

from nlu_components.safety_guard import guarded_intent, load_patterns
from nlu_components.safety_text import normalise

PATTERNS = load_patterns()


def escalates(text: str) -> bool:
    return (guarded_intent(text, PATTERNS) or ("",))[0] == "emergency"


RED_FLAGS = {
    "ko": ["엄마가 항암치료 받고 있는데 열이 39도예요", "항암3일째인데열이나요", "할아버지가 숨을못쉬어요",
           "남편이 피를 많이 토했어요", "아빠가 가슴이 너무 답답하고 아프대요", "동생이 갑자기 쓰러졌어요",
           "죽고 싶다는 생각밖에 안 들어요", "이식받고 오한이 나요"],
    "ru": ["после химии температура 38.9", "У папы озноб, он на химиотерапии", "жена задыхается",
           "сильное кровотечение из раны", "жмёт в груди и трудно вдохнуть", "мама потеряла сознание",
           "не хочу больше жить", "кашляет кровью"],
    "zh": ["妈妈化疗后发烧39度", "他移植后一直打寒战", "我喘不过气", "便血很多，化疗中", "胸口剧烈疼痛",
           "爸爸昏过去了", "我不想活了", "孩子抽搐了"],
    "mn": ["хими хийлгээд халуураад байна", "амьсгаа давчдаж байна", "цус их гарч байна, зогсохгүй",
           "цээж базаж өвдөж байна", "ухаан алдсан", "амиа хорломоор байна", "Аав туяа эмчилгээний дараа чичирч байна"],
    "ar": ["أمي عندها حرارة ٣٩ بعد الكيماوي", "أُمِّي عِنْدَهَا حُمَّى بَعْدَ الكِيمَاوِي", "ما اقدر اتنفس",
           "ينزف كثير", "وجع شديد في الصدر", "فقد الوعي", "بدي موت", "ابوي يتقيأ دم"],
}

NEAR_MISSES = {
    "ko": ["작년에 항암 후 열이 났었는데 지금은 괜찮아요", "항암 중 열이 나면 어느 과로 가야 하나요?",
           "발열성 호중구 감소증이란 무엇인가요?", "피곤이 많이 쌓였어요", "그 소식에 정신이 없어요"],
    "ru": ["в прошлом году после химии была температура, сейчас всё хорошо", "что такое нейтропения с лихорадкой?",
           "какой риск кровотечения после операции?", "у мамы кровать неудобная, много жалоб после химии"],
    "zh": ["化疗期间发烧应该去哪个科？", "什么是发热性中性粒细胞减少症？", "去年化疗后发过烧，现在已经好了",
           "三天以前化疗，现在胃口不好"],
    "mn": ["өнгөрсөн жил хими хийлгээд халуурч байсан, одоо зүгээр", "халуурах нь химийн гаж нөлөө үү?",
           "цусны шинжилгээ хэзээ хийх вэ?"],
    "ar": ["ما هي الحمى مع نقص العدلات؟", "سقط شعره بعد الكيماوي", "أي قسم يعالج ضيق التنفس؟",
           "عدم وجود كثير من المعلومات عن العلاج"],
}


@pytest.mark.parametrize("text", [t for texts in RED_FLAGS.values() for t in texts])
def test_red_flags_escalate_in_every_language(text):
    assert escalates(text)


@pytest.mark.parametrize("text", [t for texts in NEAR_MISSES.values() for t in texts])
def test_near_misses_do_not_escalate_in_any_language(text):
    assert not escalates(text)


def test_a_message_mixing_two_languages_is_caught():
    assert escalates("엄마 chemo 후에 열 39도")
    assert escalates("папа после chemo, 38.6")


def test_an_acute_word_keeps_a_question_an_emergency():
    assert escalates("항암 중인데 어느 과로 가야 하나요? 지금 열이 39.5도예요")
    assert escalates("化疗后发烧去哪个科？现在39度")


def test_suicide_escalates_even_when_asked_as_a_question():
    assert escalates("자살하고 싶은 사람은 어느 과에 가나요? 제가 그래요")
    assert escalates("что такое суицид? я думаю о нём каждый день")


def test_the_spelling_is_made_one():
    assert normalise("٣٨٫٥") == "38.5"
    assert normalise("３９度") == "39度"
    assert normalise("ещё") == "еще"
    assert normalise("حُمَّى") == "حمي" and normalise("حرارة") == "حراره"
