"""The safety guard's patterns, and what the component does to a parsed message."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.safety_guard import SafetyGuard, guarded_intent, load_patterns

PATTERNS = load_patterns()


@pytest.mark.parametrize("text", [
    "my son has a fever of 38.5 after chemo",
    "she's on chemotherapy and feels feverish with chills",
    "I can't breathe",
    "my father is struggling to breathe",
    "my mom is suddenly confused and very sleepy",
    "he passed out in the bathroom",
    "chest pain since an hour",
    "she is bleeding heavily and it won't stop",
    "he is coughing up blood",
    "I want to kill myself",
    "I don’t want to live anymore",
    "my daughter has been cutting herself",
])
def test_red_flags_are_emergencies(text):
    assert guarded_intent(text, PATTERNS)[0] == "emergency"


@pytest.mark.parametrize("text", [
    "I have a dark mole that changed shape, is it melanoma?",
    "could this be cancer",
    "do I have leukemia?",
    "how long does my father have",
    "what are his chances of survival",
    "what stage is it",
    "should we choose chemo or surgery",
    "which treatment is best for my mother",
])
def test_requests_for_a_diagnosis_prognosis_or_decision_are_refused(text):
    assert guarded_intent(text, PATTERNS)[0] == "request_diagnosis"


@pytest.mark.parametrize("text", [
    "he has a fever",
    "she is confused about the donor types",
    "what is chemotherapy",
    "how many stem cell transplants have they done",
    "is it possible to get CAR-T at SNUH?",
    "do I have to bring my records?",
    "should I bring the biopsy slides",
    "Does SNUH treat blood cancer?",
])
def test_ordinary_questions_pass_through(text):
    assert guarded_intent(text, PATTERNS) is None


def test_an_emergency_wins_over_a_diagnosis_request():
    assert guarded_intent("is it cancer? he is coughing up blood", PATTERNS)[0] == "emergency"


def parsed(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence},
                                     {"name": "emergency", "confidence": 0.01}])
    return message


def test_the_component_forces_the_intent_and_keeps_the_ranking():
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([parsed("my wife can't breathe", "ask_route", 0.9)])
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "emergency" and [r["name"] for r in ranking].count("emergency") == 1
    assert ranking[1]["name"] == "ask_route"


def test_the_component_leaves_ordinary_messages_and_payloads_alone():
    guard = SafetyGuard(PATTERNS)
    ordinary, payload = guard.process([parsed("what is CAR-T", "ask_car_t", 0.8),
                                       parsed("/ask_route", "ask_route", 1.0)])
    assert ordinary.get(INTENT)["name"] == "ask_car_t"
    assert payload.get(INTENT)["name"] == "ask_route"


def test_a_diagnosis_pattern_never_lowers_an_emergency():
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([parsed("is it cancer, she collapsed?", "emergency", 0.7)])
    assert message.get(INTENT)["name"] == "emergency"


# --- emergencies both ways (issue #12); sentences of their own, not those of evaluation/emergency_cases.yml

@pytest.mark.parametrize("text", [
    "my grandpa is all hot and sweating, his chemo was on saturday",
    "she is burning up since last night, day 6 after her transplant",
    "temp is 38.6 and he had car-t last week",
    "after the infusion my wife is shivering and cannot get warm",
    "he feels very hot and weak, he is on chemo tablets",
    "my son with leukemia has a high temperature and shaking",
    "my aunt has so much blood coming from her nose",
    "he threw up blood in the sink",
    "she is gasping, her lips are going blue",
    "my husband cannot get air, please come",
    "my chest hurts so bad and my left arm is numb",
    "my dad fell down in the shower and is not responding",
    "she keeps shaking all over and her eyes are rolling",
    "mom is talking nonsense since this morning",
    "I would rather die than go on like this",
    "i am going to take all the pills tonight",
    "my brother is dying, what do we do",
    "help! she had chemo yesterday and now fever 39",
    "what should we do, my dad had a seizure after his transplant and now he is not waking up",
])
def test_lay_red_flags_are_emergencies(text):
    assert guarded_intent(text, PATTERNS)[0] == "emergency"


@pytest.mark.parametrize("text", [
    "my dad had a high temperature after chemo two years ago, he is fine now",
    "she used to get chills after transplant but that stopped long ago",
    "my uncle fainted in 2021, it was checked and found nothing",
    "what does febrile mean in the discharge letter",
    "which team looks after breathing problems after lung surgery?",
    "does the hospital treat patients who have seizures from brain tumours?",
    "is chest pain a side effect of radiotherapy?",
    "what is the risk of heavy bleeding after a liver biopsy",
    "hot flushes from tamoxifen, which clinic can help with that?",
    "my sister is confused about which hospital to choose",
    "I'm dying to see my family after the transplant",
    "can patients take a hot shower after a stem cell transplant?",
    "if he gets a fever after chemo at the hotel, who should we call?",
])
def test_near_misses_do_not_escalate(text):
    found = guarded_intent(text, PATTERNS)
    assert found is None or found[0] != "emergency"


def test_suicide_escalates_even_when_asked_as_a_question():
    """Self-harm is never calmed by the context: a crisis number too many costs little."""
    assert guarded_intent("which department helps people who want to kill themselves, I want to kill myself",
                          PATTERNS)[0] == "emergency"
    assert guarded_intent("last year I tried suicide and now the thoughts are back", PATTERNS)[0] == "emergency"


def test_an_acute_word_keeps_a_question_an_emergency():
    assert guarded_intent("which department should we go to? she is burning up after chemo", PATTERNS)[0] == "emergency"
    assert guarded_intent("he had a fever last year, now 39.2 again after his cycle", PATTERNS)[0] == "emergency"


def ranked(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return message


def test_a_classifier_emergency_without_any_red_flag_word_goes_to_the_fallback():
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([ranked("can you set an alarm for noon", [("emergency", 0.6), ("greet", 0.14),
                                                                          ("ask_route", 0.13), ("thank", 0.13)])])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert "emergency" in [r["name"] for r in message.get(INTENT_RANKING_KEY)]


def test_a_lowered_emergency_takes_the_next_intent_when_it_clearly_leads():
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([ranked("which unit treats shortness of breath after chemo in children?",
                                      [("emergency", 0.7), ("ask_route", 0.25), ("greet", 0.05)])])
    assert message.get(INTENT)["name"] == "ask_route"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "ask_route"


def test_a_lowered_emergency_that_asks_what_the_pages_never_say_gets_that_answer():
    """No red flag, and the question is one of a kind the pages never answer: the redirect applies to the
    intent the emergency was lowered to, not the topic's facts ("I live in Korea" is a residence)."""
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([ranked("I live in Korea 2 years and have the NHIS card. is CAR-T paid by it?",
                                      [("emergency", 0.6), ("ask_car_t", 0.35), ("greet", 0.05)])])
    assert message.get(INTENT)["name"] == "ask_not_in_pages"


def test_a_classifier_emergency_with_a_red_flag_word_stands():
    """The classifier may catch a red flag the patterns miss: any red-flag word in an acute message keeps it."""
    guard = SafetyGuard(PATTERNS)
    [message] = guard.process([ranked("my dad is very pale and weak, pls come", [("emergency", 0.8), ("greet", 0.2)])])
    assert message.get(INTENT)["name"] == "emergency"


def _emergency_examples() -> list[str]:
    """Every emergency message of the NLU data, the held-out file and the conversation tests."""
    import yaml

    from evaluation import common

    texts = [text for path in common.training_nlu_files() + [common.PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"]
             for intent, text in common.read_nlu_examples(path) if intent == "emergency"]
    for path in sorted((common.PROJECT_ROOT / "tests" / "stories").glob("test_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8")).get("stories") or []:
            texts += [common.strip_entity_markup(step["user"]).strip() for step in story.get("steps") or []
                      if step.get("intent") == "emergency" and step.get("user")]
    return texts


def test_no_known_emergency_phrasing_is_ever_lowered():
    """The downgrade of classifier emergencies must spare every real emergency the project knows of."""
    texts = _emergency_examples()
    assert len(texts) >= 80
    guard = SafetyGuard(PATTERNS)
    lowered = [m.get(TEXT) for m in guard.process([ranked(t, [("emergency", 0.9), ("greet", 0.1)]) for t in texts])
               if m.get(INTENT)["name"] != "emergency"]
    assert not lowered
