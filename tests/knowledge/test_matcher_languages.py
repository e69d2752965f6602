"""The term matcher in Korean, Russian, Chinese, Mongolian and Arabic (issue #15): the same kinds, ids and
canonical names as the English names, offsets into the original text, nothing found in words that merely
contain a short name, and routing that works unchanged in every language.

The sentences are written as patients and relatives write them (particles, inflections, spaces left out,
Latin letters), not copied from the vocabulary files or the NLU data.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.catalog import ContentError, default_catalog
from knowledge.matcher import TermMatcher, get_matcher
from knowledge.queries import route_patient
from knowledge.vocabulary_languages import LANGUAGES, load_languages

LANGUAGE_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "vocabulary" / "languages"


@pytest.fixture(scope="module")
def matcher() -> TermMatcher:
    return get_matcher()


def _ids(matcher: TermMatcher, text: str, kind: str) -> list[str]:
    return [m.id for m in matcher.find_all(text) if m.kind == kind]


# (text, condition, service, relation, age): None = nothing of that kind; the age is the AgeCue's age
CASES = {
    "ko": [
        ("우리 딸이 작년에 급성골수성백혈병 진단을 받았어요", "acute_myeloid_leukemia", None, "daughter", None),
        ("아빠가 췌장암 4기라고 하네요", "pancreatic_cancer", None, "father", None),
        ("할머니께서 난소암으로 수술을 받으셨는데 어디로 가야 할까요", "ovarian_cancer", "surgery", "grandparent", None),
        ("제 남편이 다발성골수종으로 항암 중이에요", "multiple_myeloma", "chemotherapy", "spouse", None),
        ("일곱 살 아들이 뇌종양이래요", "brain_tumor", None, "son", 7),
        ("저는 38세 여성인데 유방암이에요", "breast_cancer", None, "self", 38),
        ("생후 10개월 된 아기가 망막모세포종이에요", "retinoblastoma", None, "baby", 0),
        ("조혈모세포이식은 어디서 받을 수 있나요", None, "hsct", None, None),
        ("우리애가 림프종인데요 어느 병원이 좋아요", "lymphoma", None, "child", None),
        ("형이 골육종이라고 들었어요", "osteosarcoma", None, "sibling", None),
        ("암이 재발했는데 상담 가능한가요", "cancer", None, None, None),
        ("시어머니가 자궁 경부암 진단 받으셨어요", "cervical_cancer", None, "mother", None),
        ("AML이래요, 엄마 나이는 62세예요", "acute_myeloid_leukemia", None, "mother", 62),
        # a one-syllable word read where the words around it say what it is (점: a mole, not "a point")
        ("아빠 얼굴에 난 점이 자꾸 커져요", "suspected_skin_cancer", None, "father", None),
        ("조카딸이 여덟 살인데 백혈병이래요", "leukemia", None, "other_relative", 8),
        ("할아버지 양성자 치료 받을 수 있나요", None, "radiation_therapy", "grandparent", None),
        # 면역항암 is immunotherapy, not the chemotherapy (항암) inside it
        ("면역항암 가능한 병원 있나요? 엄마가 폐암이에요", "lung_cancer", "immunotherapy", "mother", None),
        ("아이들 항암주사 맞는 동안 보호자가 있어야 해요?", None, "chemotherapy", "child", None),
    ],
    "ru": [
        ("У моей свекрови нашли рак поджелудочной железы", "pancreatic_cancer", None, "mother", None),
        ("Дочке 4 года, диагноз нейробластома", "neuroblastoma", None, "daughter", 4),
        ("Мужу 58 лет, у него множественная миелома", "multiple_myeloma", None, "spouse", 58),
        ("Лечимся от лейкоза уже полгода, нужна пересадка костного мозга", "leukemia", "hsct", None, None),
        ("ребёнку поставили лимфому Ходжкина", "hodgkin_lymphoma", None, "child", None),
        ("Мне 45 лет, обнаружили меланому на спине", "melanoma", None, "self", 45),
        ("Брат болеет раком желудка", "stomach_cancer", None, "sibling", None),
        ("можно ли попасть на клинические испытания с раком лёгкого?", "lung_cancer", "clinical_trials", None, None),
        ("Отца прооперировали по поводу рака почки", "kidney_cancer", None, "father", None),
        ("Моему 7-летнему сыну нужна химиотерапия", None, "chemotherapy", "son", 7),
        ("папе сорок пять лет, у него саркома", "sarcoma", None, "father", 45),
        ("Можно ли маму взять в исследование нового препарата от лимфомы?", "lymphoma", "clinical_trials", "mother", None),
        ("Дедушке нужна лучевая после операции на пищеводе", None, "radiation_therapy", "grandparent", None),
        ("У сестры на спине нарост, ей 34", "suspected_skin_cancer", None, "sibling", 34),
        # in Latin letters, spelt back in Cyrillic
        ("u syna leykoz, emu 6 let, kuda obratitsya?", "leukemia", None, "son", 6),
        ("mozhno li pape targetku pri rake pochki?", "kidney_cancer", "targeted_therapy", "father", None),
    ],
    "zh": [
        ("我爸爸去年查出胃癌晚期", "stomach_cancer", None, "father", None),
        ("我女儿8岁，确诊急性淋巴细胞白血病", "acute_lymphoblastic_leukemia", None, "daughter", 8),
        ("老婆得了子宫颈癌，想去韩国治疗", "cervical_cancer", None, "spouse", None),
        ("宝宝十个月大，医生说是肝母细胞瘤", "hepatoblastoma", None, "baby", 0),
        ("我今年52岁，有多发性骨髓瘤", "multiple_myeloma", None, "self", 52),
        ("孩子需要做骨髓移植吗", None, "hsct", "child", None),
        ("爷爷七十五岁了，得了前列腺癌", "prostate_cancer", None, "grandparent", 75),
        ("我妈刚做完化疗，乳腺癌二期", "breast_cancer", "chemotherapy", "mother", None),
        ("我姐姐背上的痣最近变黑了", "suspected_skin_cancer", None, "sibling", None),
        ("她今年41，想做靶向", None, "targeted_therapy", None, 41),
        ("卡替在韩国能做吗？我爸爸今年70", None, "car_t", "father", 70),
        ("我妈妈卵巢癌手术以后需要复查吗", "ovarian_cancer", "ovarian_cancer_surgery", "mother", None),
    ],
    "mn": [
        ("Манай хүүхдэд лейкеми гэж оношлогдсон", "leukemia", None, "child", None),
        ("Аавын уушгины хорт хавдрыг хаана эмчлэх вэ", "lung_cancer", None, "father", None),
        ("Эхнэр маань 41 настай, хөхний хорт хавдартай", "breast_cancer", None, "spouse", 41),
        ("Охиныхоо ясны хорт хавдрын талаар асуух гэсэн юм", "bone_cancer", None, "daughter", None),
        ("Би 60 настай, элэгний хорт хавдраар өвчилсөн", "liver_cancer", None, "self", 60),
        ("Хүүгийн маань ясны чөмөг шилжүүлэн суулгах боломжтой юу", None, "hsct", "son", None),
        ("Ээжийгээ химийн эмчилгээ хийлгүүлэхээр Солонгос явна", None, "chemotherapy", "mother", None),
        ("таван настай хүүхдэд нейробластоматай гэсэн", "neuroblastoma", None, "child", 5),
        ("дөчин таван настай нөхөр маань ходоодны хорт хавдартай", "stomach_cancer", None, "spouse", 45),
        # a loanword without its last vowel ("меланома" -> "меланомыг"), a long suffix ("ээжийнхээ")
        ("Эгч маань меланомыг авахуулсан, 52 настай", "melanoma", None, "sibling", 52),
        ("Аавд туяа хийлгэх шаардлагатай юу", None, "radiation_therapy", "father", None),
        ("Ээжийнхээ өмнөөс бичиж байна, хөхний хорт хавдартай", "breast_cancer", None, "mother", None),
        ("Нөхөр маань, 47. Мохс хийлгэх үү?", None, "mohs_surgery", "spouse", 47),
        # in Latin letters
        ("ohin mani 7 nastai, leikemitei", "leukemia", None, "daughter", 7),
    ],
    "ar": [
        ("والدتي تعاني من سرطان المبيض منذ سنتين", "ovarian_cancer", None, "mother", None),
        ("ابنتي عمرها ٧ سنوات وعندها لوكيميا", "leukemia", None, "daughter", 7),
        ("زوجتي تشخصت بسرطان عنق الرحم", "cervical_cancer", None, "spouse", None),
        ("اخوي عنده سرطان الغدد الليمفاوية", "lymphoma", None, "sibling", None),
        ("عمري ٥٠ سنة ومصاب بالورم النقوي المتعدد", "multiple_myeloma", None, "self", 50),
        ("طفلنا ابن ثلاث سنوات وعنده ورم ويلمز", "wilms_tumor", None, "child", 3),
        ("هل تتوفر زراعة نخاع العظم للأطفال؟", None, "hsct", "child", None),
        ("جدي عنده سرطان البروستاتا", "prostate_cancer", None, "grandparent", None),
        ("ابْنِي مُصَابٌ بِالسَّرَطَانِ", "cancer", None, "son", None),
        ("أبويا عمره 66 سنة وعنده سرطان القولون", "colorectal_cancer", None, "father", 66),
        # a name of two words wins over its parts (not lymphoma + Hodgkin)
        ("ابني عنده لمفوما هودجكن وعمره 15 سنة", "hodgkin_lymphoma", None, "son", 15),
        ("هل عندكم كارتي للكبار؟", None, "car_t", "adult", None),
        # a condition of the disease terminology, as the English words give it (myeloid leukemia)
        ("والدي مصاب بسرطان الدم النخاعي", "doid_8692", None, "father", None),
        ("جدتي عمرها 80 وتحتاج جلسات كيماوي", None, "chemotherapy", "grandparent", 80),
        # Arabizi
        ("ibni 3ando lukemia, fi 3ilaj kimawi?", "leukemia", "chemotherapy", None, None),
    ],
}

# Words that merely contain a short name, and times that are not ages: nothing of the kind is found
NOTHING = {
    "ko": [("아이디랑 비밀번호를 잊었어요", "relation"), ("암기력이 떨어져서 걱정이에요", "condition"),
           ("궁금한 점이 몇 가지 있어요", "condition"), ("진단검사의학과 위치가 어디예요", "service"),
           ("코스모스 축제 보러 가요", "service"),
           ("딸기 알레르기가 있어요", "relation"), ("이런 유형의 질문도 되나요", "relation"),
           ("점점 좋아지고 있어요", "condition"), ("혹시 영어로 상담 가능해요?", "condition"),
           ("애인이랑 같이 가요", "relation"), ("아이 식사 시간이 언제예요", "service"),
           ("일본인 친구가 물어봐서요", "relation"), ("21세기 의학은 대단해요", "age")],
    "ru": [("Можно брать с собой документы?", "relation"), ("Три года назад у меня была операция", "age"),
           ("Результаты исследования крови пришли", "service"), ("Хирург сказал, что всё хорошо", "service"),
           ("Протокол лечения уже составили", "service"), ("В поликлинике сказали прийти в пятницу", "service"),
           ("Мы приедем через 2 года", "age"), ("Онколог сказал ждать", "condition"),
           ("Можно ли папку с документами принести?", "relation")],
    "zh": [("他是日本人", "relation"), ("这个癌字怎么写", "condition"), ("我们下个月去首尔旅游", "age"),
           ("十八岁以上才能报名吗", "age"), ("欧洲妇科肿瘤学会在哪里开会", "condition"), ("今年3月开始化疗的", "age"),
           ("化疗已经做了6次了", "age")],
    "mn": [("Хүүхэн эмч байна уу", "relation"), ("Би эмнэлэг хайж байна", "condition"),
           ("аав маань 2 жилийн өмнө нас барсан", "age"), ("Бид Баянгол дүүрэгт амьдардаг", "relation"),
           ("Эмчилгээнд зээл авах боломжтой юу", "relation"), ("Хавдар судлаач эмч хэзээ ирэх вэ", "condition"),
           ("Аав маань 38 хэм халуурч байна", "age"), ("Эгч маань 2 хүүхэдтэй", "age"),
           ("Цөсний хүүдийн хорт хавдар гэж хэлсэн", "relation")],
    "ar": [("هل يمكنني أن أحجز الآن أم لاحقا؟", "relation"), ("أعيش في هذه المدينة منذ 3 سنوات", "age"),
           ("درست الكيمياء في الجامعة", "service"), ("امتى تفتحون العيادة؟", "relation"),
           ("أحتاج دعم نفسي بعد التشخيص", "relation"), ("دكتور الأورام قال نراجع بعد شهر", "condition")],
}

ALL_CASES = [(code, *case) for code, cases in CASES.items() for case in cases]


@pytest.mark.parametrize("code, text, condition, service, relation, age", ALL_CASES,
                         ids=[f"{c[0]}-{c[1][:24]}" for c in ALL_CASES])
def test_what_patients_write_is_read(matcher, code, text, condition, service, relation, age):
    matches = matcher.find_all(text)
    conditions = [m.id for m in matches if m.kind == "condition"]
    services = [m.id for m in matches if m.kind == "service"]
    assert conditions == ([condition] if condition else []), matches
    if service:
        assert service in services, matches
    cue = matcher.age_cue(text, matches)
    assert cue.relation == relation, matches
    assert cue.age == age, matches
    for match in matches:
        assert text[match.start:match.end] == match.text
    # the canonical names are the English vocabulary's (or the disease terminology's)
    conditions_by_id = default_catalog().all_conditions()
    for match in matches:
        if match.kind == "condition":
            assert match.name == conditions_by_id[match.id].name


@pytest.mark.parametrize("code, text, kind", [(code, text, kind) for code, cases in NOTHING.items()
                                              for text, kind in cases])
def test_words_that_contain_a_short_name_give_nothing(matcher, code, text, kind):
    assert _ids(matcher, text, kind) == []


def test_the_nlu_entities_are_the_matches_and_keep_offsets(matcher):
    text = "우리아이가 급성 골수성 백혈병이에요. 다섯 살이에요"
    found = [(m.kind, m.id, m.text) for m in matcher.find(text)]
    assert found == [("relation", "child", "아이"), ("condition", "acute_myeloid_leukemia", "급성 골수성 백혈병"),
                     ("age", "age", "다섯")]
    assert matcher.age_cue(text).age == 5


def test_a_space_inside_a_short_name_is_not_a_name(matcher):
    assert _ids(matcher, "골수 이식 받을 수 있나요", "service") == ["hsct"]
    assert _ids(matcher, "우리 아이 식사를 병원에서 주나요", "service") == []


@pytest.mark.parametrize("text, kind, span", [
    ("등에 있는 점이 점점 커져요", "condition", "점"),  # "[점]이 점점 커": the mole, not the words around it
    ("우리 엄마 볼에 난 혹 좀 봐주세요", "condition", "혹"),
    ("我妈妈得了白血病", "relation", "妈妈"),  # "我[妈]" gives way to the word 妈妈
    ("她是不是得了癌", "condition", "癌"),
    ("Хочу покончить с собой", "relation", "собой"),
    ("عن نفسي، أنا المريض", "relation", "نفسي"),
])
def test_a_bracketed_word_is_the_match(matcher, text, kind, span):
    assert [m.text for m in matcher.find(text) if m.kind == kind] == [span]


def test_a_chinese_service_outranks_the_condition_it_names_as_in_english(matcher):
    """Chinese has no spaces to count words by: "卵巢癌手术" is the service, as "ovarian cancer surgery" is."""
    assert [(m.kind, m.id) for m in matcher.find("卵巢癌手术在首尔哪里做")] == [("service", "ovarian_cancer_surgery")]
    assert [(m.kind, m.id) for m in matcher.find("can she have ovarian cancer surgery")] == [
        ("service", "ovarian_cancer_surgery")]
    # both are still there for routing
    assert {m.id for m in matcher.find_all("卵巢癌手术在首尔哪里做")} == {"ovarian_cancer", "ovarian_cancer_surgery"}


@pytest.mark.parametrize("text", ["Is there wi-fi in the hospital?", "I ve been told the wait is est. 3 weeks",
                                  "Mama and papa are coming too", "Can my son get CAR-T?"])
def test_english_is_not_read_as_a_language_in_latin_letters(matcher, text):
    """Latin letters are read as Russian, Mongolian or Arabic only with one of their marker words."""
    assert matcher._languages.find(text) == []


@pytest.mark.parametrize("text, age", [("나이요? 나이는 63", 63), ("Мужчина 58, рак простаты", 58), ("我婆婆今年72", 72),
                                       ("Эмээ маань, 84", 84), ("ذكر 61", 61), ("3omri 35 w 3ndi waram", 35),
                                       ("Хүүхэд маань нас 9", 9)])
def test_a_bare_number_where_an_age_is_said_is_the_age(matcher, text, age):
    assert matcher.age_cue(text).age == age


def test_places_are_places_not_patients(matcher):
    # "소아청소년과" holds 청소년 (a teenager), "儿童血液肿瘤科" holds 儿童 (children) and 血液肿瘤 (a blood cancer)
    for text, unit in (("서울대병원 소아청소년과 예약하려고요", "snuh_pediatrics"),
                       ("首尔大学医院的儿童血液肿瘤科怎么预约", "snuh_pediatric_hmo")):
        matches = matcher.find_all(text)
        assert [m.id for m in matches if m.kind == "unit"] == [unit]
        assert [m.id for m in matches if m.kind == "hospital"] == ["snuh"]
        assert not [m for m in matches if m.kind in ("relation", "condition")]


@pytest.mark.parametrize("text, hospital", [
    ("서울대학교병원에 가고 싶어요", "snuh"), ("삼성서울병원 부인암센터", "smc"), ("서울대암병원 피부암센터", "snuch"),
    ("首尔大学附属医院可以看吗", "snuh"), ("Хотим в больницу Сеульского национального университета", "snuh"),
    ("Сөүлийн их сургуулийн эмнэлэгт очих уу", "snuh"), ("أريد موعد في مستشفى جامعة سيول الوطنية", "snuh"),
    ("هل مستشفى سامسونج يعالج هذا؟", "smc"),
])
def test_hospitals_by_their_local_names(matcher, text, hospital):
    assert _ids(matcher, text, "hospital") == [hospital]


def test_english_is_read_as_before(matcher):
    """A message in Latin letters only never reaches the language matcher, so English is unchanged."""
    texts = [case["text"] for case in yaml.safe_load(
        (Path(__file__).parent / "routing_cases.yml").read_text(encoding="utf-8"))["cases"]]
    assert all(matcher._languages.find(text) == [] for text in texts)


# --- the vocabulary files -----------------------------------------------------------------------------


def test_every_condition_service_and_relation_has_words_in_every_language():
    catalog = default_catalog()
    assert set(catalog.languages) == set(LANGUAGES)
    for code, vocabulary in catalog.languages.items():
        assert vocabulary.reviewed_by_native_speaker is False  # until a native speaker has reviewed it
        for kind, table in (("condition", catalog.conditions), ("service", catalog.services),
                            ("relation", catalog.relations)):
            missing = set(table) - vocabulary.ids(kind)
            assert not missing, f"{code}: no {kind} words for {sorted(missing)}"
        assert {"snuh", "snuch", "smc"} <= vocabulary.ids("hospital")
        header = (LANGUAGE_DIR / f"{code}.yml").read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("#")


def _write(tmp_path: Path, code: str, body: str) -> Path:
    (tmp_path / f"{code}.yml").write_text(f"language: {code}\nreviewed_by_native_speaker: false\n{body}",
                                          encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("code, body, problem", [
    ("ko", "conditions:\n  - {id: leukaemia_typo, terms: [백혈병]}\n",
     "ko.yml, conditions[0] (id 'leukaemia_typo'): condition 'leukaemia_typo' does not exist"),
    ("ko", "services:\n  - {id: hsct, terms: [이식]}\n  - {id: chemo, terms: [항암]}\n",
     "ko.yml, services[1] (id 'chemo'): service 'chemo' does not exist"),
    ("zh", "conditions:\n  - {id: cancer, terms: [癌]}\n", "zh.yml, conditions[0] (id 'cancer'): the one-character term"),
    ("ko", "relations:\n  - {id: daughter, terms: [딸]}\n", "list it under 'whole_word'"),
    ("ru", "conditions:\n  - {id: leukemia, terms: [лейкоз]}\n  - {id: lymphoma, terms: [лейкоз]}\n",
     "also names condition 'leukemia'"),
    ("ar", "conditions:\n  - {id: cancer, terms: [سرطان], aliases: [كانسر]}\n", "unknown field(s) 'aliases'"),
    ("ko", "conditions:\n  - {id: suspected_skin_cancer, terms: ['[점]이 [커]']}\n", "must bracket one word of it, once"),
    ("zh", "relations:\n  - {id: mother, terms: ['[妈妈]']}\n", "brackets all of itself"),
    ("ru", "conditions:\n  - {id: doid_x1, terms: [лейкоз]}\n", "condition 'doid_x1' does not exist"),
    ("mn", "latin: {markers: [mani, хүү]}\n", "single words in Latin letters"),
])
def test_a_bad_language_file_is_refused_naming_file_and_entry(tmp_path, code, body, problem):
    with pytest.raises(ContentError) as error:
        load_languages(default_catalog(), _write(tmp_path, code, body))
    assert problem in str(error.value)
    assert f"{code}.yml" in str(error.value)


def test_the_terminology_conditions_the_files_name_exist():
    """A condition id of the disease terminology (doid_8692, myeloid leukemia) is checked against it here: the
    terminology is merged after the language files are read."""
    catalog = default_catalog()
    known = catalog.all_conditions()
    for code, vocabulary in catalog.languages.items():
        missing = {term.id for term in vocabulary.terms if term.kind == "condition"} - set(known)
        assert not missing, f"{code}: {sorted(missing)}"


def test_the_routing_measure_has_cases_in_every_language():
    """evaluation/routing_cases_<code>.yml: about 25 cases per language, adults and children, written apart
    from this file's sentences."""
    from evaluation import ontology_routing, routing_languages

    ours = {case[1] for case in ALL_CASES} | {route[0] for route in ROUTES}
    for code in ("en", *LANGUAGES):
        path = routing_languages.case_file(code)
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        assert len(cases) >= 20 and len(ontology_routing.load_cases(path)) == len(cases)
        tags = {tag for case in cases for tag in case["tags"]}
        assert {"adult", "child"} <= tags
        assert not ours & {case["text"] for case in cases}


# --- routing, end to end ---------------------------------------------------------------------------------

ROUTES = [
    # (message, the English message it says, the units expected)
    ("우리 아이가 백혈병이에요, 여섯 살이에요", "my 6 year old child has leukemia", ["snuh_pediatric_hmo"]),
    ("У жены рак яичников, ей 47 лет", "my wife is 47 and has ovarian cancer", ["smc_gynecologic_cancer_center"]),
    ("我父亲今年68岁，得了肺癌", "my father is 68 and has lung cancer", ["snuh_hmo_medical_oncology"]),
    ("Миний 9 настай хүү цусны хорт хавдартай", "my son is 9 and has blood cancer", ["snuh_pediatric_hmo"]),
    ("أمي عمرها 62 سنة ومصابة بسرطان الجلد", "my mother is 62 and has skin cancer", ["snuch_skin_cancer_center"]),
    ("아버지가 70세이신데 다발성 골수종 진단을 받으셨어요", "my father is 70 with multiple myeloma", ["snuh_hmo_hematology"]),
    ("Сыну 12 лет, остеосаркома бедра", "my son is 12 and has osteosarcoma", ["snuh_pediatric_hmo"]),
    ("我老婆子宫内膜癌，她45岁", "my wife is 45 and has endometrial cancer", ["smc_gynecologic_cancer_center"]),
    ("Ээж маань 55 настай, меланоматай", "my mother is 55 and has melanoma", ["snuch_skin_cancer_center"]),
    ("ابني عمره 8 سنوات وعنده ورم أرومي عصبي", "my son is 8 and has neuroblastoma", ["snuh_pediatric_hmo"]),
]


@pytest.mark.parametrize("text, english, units", ROUTES, ids=[r[1] for r in ROUTES])
def test_routing_works_in_every_language(session, text, english, units):
    routed = sorted(route.unit.id for route in route_patient(session, text).routes)
    assert routed == sorted(units)
    assert routed == sorted(route.unit.id for route in route_patient(session, english).routes)


def test_an_unknown_age_is_asked_for_in_every_language(session):
    for text in ("백혈병이에요", "лейкоз", "白血病", "лейкоз гэж оношлогдсон", "عنده لوكيميا"):
        result = route_patient(session, text)
        assert result.condition is not None and result.condition.id == "leukemia", text
        assert result.needs_age_group, text
