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


# The gaps found by running the guard over languages/nlu/<lang>/ (sentences written for these tests, not
# copied from the data or the evaluation sets): each gap's red flags escalate, its near misses do not.
GAP_RED_FLAGS = {
    "overdose": ["爸爸把一整盒止痛药都吞下去了", "我吃了一瓶安眠药", "Эгч маань нэг сав нойрны эм уучихсан",
                 "Би хэт их тайвшруулах эм уучихсан", "수면제를 한 통 다 먹었대요", "عندي علبة دوا وناوية آخذها كلها"],
    "jumping": ["她说想从阳台上跳下去", "他一直说要跳桥"],
    "ending_it_all": ["我真的撑不住了，只想结束这一切", "活着好痛苦", "그냥 모든 걸 끝내버리고 싶어",
                      "아침에 눈을 안 떴으면 좋겠다는 생각만 해요", "хочу уйти из жизни, сил больше нет",
                      "ناوي يقتل حاله، قالها لي", "أختي بتقول بدها تأذي حالها"],
    "seizure_verb_forms": ["Охин маань гэнэт гар хөл нь татаж байна", "Өвөө бие нь татсан, яах вэ",
                           "할머니가 경기를 일으켰어요", "у сына конвульсии"],
    "confused_speech": ["Ээж маань утгагүй юм яриад байна", "Аав маань химийн дараа балай юм яриад байна",
                        "喊她也迷迷糊糊的", "하루 종일 멍하게 있고 대화가 안 돼요"],
    "fall_with_head_knock": ["Өвөө шатнаас унаад толгойгоо цохисон", "남편이 계단에서 미끄러져 머리를 박았는데 계속 토해요",
                             "бабушка поскользнулась, ударилась головой, её тошнит", "جدي وقع من السرير ومش بيرد خالص"],
    "unresponsive": ["불러도 대답이 없고 눈을 못 떠요", "弟弟牙龈不停地渗血，叫他也没反应"],
    "bleeding": ["어머니가 기침하면서 피가 섞여 나와요", "у бабушки кровь изо рта и не останавливается"],
    "breathing": ["мама хватает ртом воздух"],
    "latin_script_and_one_word": ["hüü mani himi hiilgeed 38.7 haluurch baina", "u mamy temperatura 38.8 posle himii",
                                  "5ali 7arara 39 ba3d el kimawi", "طوارئ!"],
}

GAP_NEAR_MISSES = {
    "past_fever_now_finished": [
        "Хоёр жилийн өмнө химийн үед халуурч байсан, одоо эмчилгээ дууссан, хяналтад хэзээ ирэх вэ?",
        "امي جاتها سخونة بعد الكيماوي وراحت، الحين خلصت العلاج، متى المتابعة؟",
        "год назад после химии была температура 38.5, сейчас здоров. Нужен контроль?",
        "полгода назад на химии у жены были судороги, с тех пор ни разу. Что дальше?"],
    "medicines_not_overdoses": ["化疗期间可以吃安眠药吗？", "昨晚吃了安眠药还是睡不着", "Мөнгөө банкнаас татаж авсан"],
    "ending_treatment_not_life": ["치료를 다 끝내고 귀국하고 싶어요", "ما أبغى أكمل الاستشارة"],
    "other_senses": ["경기가 안 좋아서 비용이 걱정이에요", "의사 선생님과 말이 안 통해요, 통역 있나요?",
                     "кто мне сейчас пишет?", "孩子刷牙时牙龈出血是什么原因？"],
    "occasional_bleeding_of_a_spot": ["родинка немного кровит после бритья, это рак?", "عندي دملة تنزف أحيانا، هل هي سرطان؟"],
}


@pytest.mark.parametrize("text", [pytest.param(t, id=f"{gap}-{i}") for gap, texts in GAP_RED_FLAGS.items()
                                  for i, t in enumerate(texts)])
def test_the_gaps_found_in_the_nlu_data_escalate(text):
    assert escalates(text)


@pytest.mark.parametrize("text", [pytest.param(t, id=f"{gap}-{i}") for gap, texts in GAP_NEAR_MISSES.items()
                                  for i, t in enumerate(texts)])
def test_the_near_misses_of_those_gaps_do_not_escalate(text):
    assert not escalates(text)


def test_a_current_reading_after_a_long_past_one_still_escalates():
    # a long-past marker takes its own clause with it, never the "now" after it
    assert escalates("год назад закончили химию, а сейчас температура 39")
    assert escalates("в прошлом году была химия и сейчас температура 38.9")
    assert escalates("Гурван сарын өмнө хими хийлгэсэн, одоо 39 хэм халуурч байна")


# Issue #15, the gaps found writing natural messages (2026-12-02): each gap's neighbours, written for these
# tests (other relatives, tenses, spellings, spacing); the reported sentences themselves are measured in
# evaluation/emergency_cases_<lang>.yml.
REPORTED_GAP_RED_FLAGS = {
    "veins_and_wrists_cut": ["дочь режет себе вены, помогите", "вены себе порезал, кровь идёт", "она порезала себя лезвием",
                             "сын наносит себе порезы на руках", "بنتي جرحت معصمها", "بدي اقطع شراييني",
                             "딸이 손목을 그었대요", "언니가 허벅지를 긋고 있어요", "我女儿割了静脉", "他想割手腕"],
    "all_the_pills": ["отец принял сразу все свои таблетки", "жена наглоталась снотворного",
                      "муж съел целую пачку обезболивающих"],
    "fever_told_otherwise": ["у дочки после химии горит вся, температура высокая",
                             "ребёнок на химиотерапии затемпературил, градусник показывает 38,9",
                             "после курса химии на градуснике 39"],
    "no_sense_in_living": ["не вижу смысла в жизни", "смысла жить больше нет", "устал жить, ничего не хочу",
                           "би амьдрахыг хүсэхгүй болсон", "цаашид амьдрахыг хүсэхгүй", "amidrahiig husehgui baina"],
    "seizures": ["у отца эпилептический приступ", "бабушку всю колотит, глаза закатились", "хүү маань гэнэт татаж байна",
                 "нялх хүүхэд маань татаж байна", "hüü mani tataj baina", "宝宝一直在抽", "我爸突然抽起来了", "孩子抽个不停"],
    "speech_lost": ["папа вдруг перестал говорить", "у мамы внезапно отнялась речь", "язык заплетается у отца",
                    "аав маань гэнэт ярьж чадахгүй болсон", "امي فجأة ما تقدر تتكلم", "ابوي لسانه ثقيل فجأة",
                    "할아버지가 갑자기 말을 못 하세요", "엄마가갑자기말을못해요", "남편이 말을 갑자기 못 해요",
                    "我爸突然说不了话了", "奶奶突然不能说话了", "my mom suddenly can't speak"],
    "unresponsive": ["мама не отвечает, лежит на полу", "папа не реагирует", "муж отключился и не откликается",
                     "дедушка не отвечает, что делать", "ээж маань ухаан алдчихсан", "өвөө ухаан алдав", "uhaan aldchihlaa",
                     "جدتي ما تصحى", "아버지가 정신을 못 차리세요", "아빠가정신을못차려요", "爷爷没有反应了", "我妈一点反应都没有",
                     "老公毫无反应", "爸爸躺在床上没反应了"],
    "breathing": ["مو قادر اخذ نفسي", "ما نقدر ناخد نفس", "할머니가 숨이 갑자기 막혀요"],
    "bleeding": ["爷爷咳出一口血", "我爸吐了很多血", "他拉了好多血", "吐出来的都是血"],
    "suicide_words": ["أبي أنتحر", "ابغى انتحر"],
}

REPORTED_GAP_NEAR_MISSES = {
    "nobody_answers": ["врач не отвечает на мои письма уже неделю", "клиника не отвечает на звонки",
                       "мне никто не отвечает в чате", "больница не реагирует на мои сообщения",
                       "папа не отвечает на звонки, он в командировке, можно я заполню заявку?",
                       "мама не отвечает на лечение, какие есть варианты?", "发了邮件也没回复", "我问医生，他没回应",
                       "他对免疫治疗没有反应", "the hospital is not responding to my inquiry"],
    "a_language_not_spoken": ["한국말을 못 하는데 통역 서비스가 있나요?", "저는 중국말밖에 못 해요",
                              "엄마한테 아직 말을 못 했어요", "우리 아기는 아직 말을 못 해요"],
    "idioms_and_lookalikes": ["일이 너무 많아서 정신을 못 차리겠어요", "у меня приступ паники перед перелётом",
                              "всю ночь трясло от страха перед операцией", "дочь перестала разговаривать со мной после диагноза",
                              "медсестра взяла кровь из вены, всё нормально?", "не вижу смысла ехать на контроль",
                              "не хочу жить в общежитии, есть ли квартиры рядом с больницей?",
                              "принял все таблетки, как назначено, можно ехать?", "хүү маань мөнгө татаж авсан",
                              "энд амьдрахыг хүсэхгүй", "今天抽血了", "我爸一直抽烟", "要抽骨髓吗？", "吐了，血压有点低",
                              "高兴得说不出话了", "الممرضة سحبت دم من الوريد", "ابي اعرف عن القسم"],
}

# "dying" beside a request for palliative or hospice care asks for care in every language; anything acute
# keeps it an emergency
DYING_WITH_CARE_REQUESTED = ["мама умирает, хотим перевести её в хоспис", "бабушка умирает, как получить обезболивание дома?",
                             "امي تموت، نبغى رعاية تلطيفية في البيت", "جدي يحتضر ونبي مسكنات للالم",
                             "할머니가 죽어가요, 호스피스 병동 있나요?", "奶奶快不行了，想做临终关怀",
                             "аав маань үхэж байна, хөнгөвчлөх эмчилгээ хэрэгтэй", "my mom is dying, is there hospice in Seoul?",
                             "папа умирает, we want palliative care"]
DYING_AND_ACUTE = ["мама умирает, что делать?", "отец умирает прямо сейчас, нужен хоспис, помогите",
                   "ابوي يموت الحين، شو نعمل؟", "할머니가 지금 죽어가요, 호스피스 알아보는 중인데 어떡해요",
                   "奶奶快不行了，现在怎么办", "my mom is dying right now, we wanted hospice, what do we do"]
# a wish to die is never calmed by a request for care; only "living is too painful / tiring" said beside
# one is (我爸活着好累，想要安宁疗护)
WISH_TO_DIE_WITH_CARE_REQUESTED = ["не хочу жить, нужен хоспис", "我想死，想做姑息治疗", "ابي اموت، نبي رعاية تلطيفية",
                                   "죽고 싶어요, 호스피스 가고 싶어요", "my mother wants to die, she asked for palliative care",
                                   "活着好痛苦，不想活了，安宁病房在哪"]


@pytest.mark.parametrize("text", [pytest.param(t, id=f"{gap}-{i}") for gap, texts in REPORTED_GAP_RED_FLAGS.items()
                                  for i, t in enumerate(texts)])
def test_the_neighbours_of_the_reported_gaps_escalate(text):
    assert escalates(text)


@pytest.mark.parametrize("text", [pytest.param(t, id=f"{gap}-{i}") for gap, texts in REPORTED_GAP_NEAR_MISSES.items()
                                  for i, t in enumerate(texts)])
def test_the_neighbours_of_the_reported_false_alarms_do_not_escalate(text):
    assert not escalates(text)


@pytest.mark.parametrize("text", DYING_WITH_CARE_REQUESTED)
def test_dying_beside_a_request_for_palliative_care_asks_for_care(text):
    assert not escalates(text)


@pytest.mark.parametrize("text", DYING_AND_ACUTE + WISH_TO_DIE_WITH_CARE_REQUESTED)
def test_dying_with_anything_acute_and_a_wish_to_die_escalate_whatever_care_is_asked(text):
    assert escalates(text)


def _classifier_emergency(text: str):
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from nlu_components.safety_guard import SafetyGuard

    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": "emergency", "confidence": 0.7})
    message.set(INTENT_RANKING_KEY, [{"name": "emergency", "confidence": 0.7},
                                     {"name": "ask_palliative_care", "confidence": 0.25}])
    [message] = SafetyGuard(PATTERNS).process([message])
    return message.get(INTENT)["name"]


@pytest.mark.parametrize("text", DYING_WITH_CARE_REQUESTED + ["我爸活着好累，想要安宁疗护"])
def test_a_classifier_emergency_on_a_request_for_palliative_care_is_lowered(text):
    assert _classifier_emergency(text) == "ask_palliative_care"


@pytest.mark.parametrize("text", ["бабушка умирает, что делать", "папа умирает, у него кровь, нужен хоспис",
                                  "할머니가 죽어가요, 피를 토해요, 호스피스 있나요?"])
def test_a_classifier_emergency_stands_with_anything_acute_or_another_red_flag_word(text):
    assert _classifier_emergency(text) == "emergency"


def _known_red_flags() -> list[str]:
    """Every red flag the patterns are measured or tested on, in every language (not the held-out file)."""
    import sys

    from settings import PROJECT_ROOT

    if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
        sys.path.insert(0, str(PROJECT_ROOT))
    from evaluation import safety_languages

    texts = [case["text"] for groups in safety_languages.load_all_cases().values() for case in groups["red_flags"]]
    for table in (RED_FLAGS, GAP_RED_FLAGS, REPORTED_GAP_RED_FLAGS):
        texts += [text for texts_of in table.values() for text in texts_of]
    return texts + DYING_AND_ACUTE + WISH_TO_DIE_WITH_CARE_REQUESTED


def test_every_known_red_flag_holds_a_red_flag_word():
    """The vocabulary keeps a classifier `emergency` the patterns miss (a neighbour of a known red flag); a
    red flag without any of its words would be lowered whenever the patterns do not catch its phrasing
    (an Arabic انتحر, a Chinese 割腕 and a Korean 손목을 긋다 held none)."""
    from nlu_components.safety_guard import default_context

    vocabulary = default_context().vocabulary
    texts = _known_red_flags()
    assert len(texts) > 300
    assert [text for text in texts if not vocabulary.search(normalise(text))] == []
