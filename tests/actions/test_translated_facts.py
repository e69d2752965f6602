"""The hospitals' facts in the conversation's language (issue #15): a fact with a translation into the
language being spoken is said in it, the answer says once, above its unchanged source line, that the
text is our translation (not yet reviewed by a native speaker); an English conversation gets exactly the
answer it got before translations existed."""
from __future__ import annotations

import asyncio
import re
import shutil

import pytest

from actions import store
from actions.knowledge_answers import ActionAnswerFigures, ActionAnswerTopic
from knowledge.catalog import CONTENT_DIR, default_catalog
from knowledge.database import open_session
from knowledge.fact_translations import translations_dir
from knowledge.loader import build
from actions.replies import source_line
from messages import say, speaking
from tests.actions.conftest import make_tracker, run_action

HEMATOLOGY_PAGE = "000_3640c03fd6599930.txt"
TRANSPLANT_FACTS = ("snuh_hmo_transplant_total", "snuh_hmo_transplant_kinds", "peds_transplant")


def run(action, tracker):
    return asyncio.run(run_action(action, tracker))


def answer_from(url: str, monkeypatch) -> None:
    """Let the actions read the store at `url` (their engine for DATABASE_URL is kept per process)."""
    monkeypatch.setattr(store, "open_session",
                        lambda *args, check_built=True: open_session(url, check_built=check_built))


def translated(fact_id: str, language: str) -> str:
    return default_catalog().fact_translations[language][fact_id].text


def english(fact_id: str) -> str:
    return default_catalog().facts[fact_id].text


def marked(text: str, locale: str, reviewed: bool = False) -> int:
    """How many times the answer says its facts are our translation."""
    return text.count(say("answer.translated_fact_reviewed" if reviewed else "answer.translated_fact", locale=locale))


@pytest.fixture(scope="session")
def store_without_translations(tmp_path_factory) -> str:
    """The store as it was before translations: the same content, no translation files."""
    content = tmp_path_factory.mktemp("untranslated") / "content"
    shutil.copytree(CONTENT_DIR, content)
    shutil.rmtree(translations_dir(content))
    url = f"sqlite:///{content.parent / 'store.db'}"
    assert build(url, content_dir=content).counts["kb_fact_translations"] == 0
    return url


@pytest.fixture(scope="session")
def store_partly_translated(tmp_path_factory) -> str:
    """Korean without the transplant facts (said in English); Russian reviewed by a native speaker."""
    content = tmp_path_factory.mktemp("partly") / "content"
    shutil.copytree(CONTENT_DIR, content)
    korean = translations_dir(content) / "ko.yml"
    korean.write_text("\n".join(line for line in korean.read_text(encoding="utf-8").splitlines()
                                if not line.startswith(tuple(f"  {fact}:" for fact in TRANSPLANT_FACTS))) + "\n",
                      encoding="utf-8")
    russian = translations_dir(content) / "ru.yml"
    russian.write_text(russian.read_text(encoding="utf-8").replace(
        "reviewed_by_native_speaker: false\n", "reviewed_by_native_speaker: true\n", 1), encoding="utf-8")
    url = f"sqlite:///{content.parent / 'store.db'}"
    build(url, content_dir=content)
    return url


def test_a_korean_conversation_gets_the_transplant_figure_in_korean_marked_and_cited():
    reply, _ = run(ActionAnswerFigures(), make_tracker("조혈모세포이식 몇 건 했어요?", "ask_figures",
                                                       last_topic="transplant", language="ko"))
    lines = reply.text.splitlines()
    assert lines[0].startswith(translated("snuh_hmo_transplant_total", "ko"))
    assert "3,200" in lines[0] and "1985" in lines[0]
    assert english("snuh_hmo_transplant_total") not in reply.text
    # the marker once, on the line above the source line, which cites the seed file as before
    assert marked(reply.text, "ko") == 1
    assert lines[-2:] == [say("answer.translated_fact", locale="ko"),
                          say("answer.sources.one", locale="ko", files=HEMATOLOGY_PAGE)]
    assert reply.meta["sources"] == [HEMATOLOGY_PAGE]


def test_the_latest_messages_language_is_enough():
    tracker = make_tracker("조혈모세포이식 몇 건 했어요?", "ask_figures", last_topic="transplant")
    tracker.latest_message["language"] = "ko"
    reply, slots = run(ActionAnswerFigures(), tracker)
    assert reply.text.startswith(translated("snuh_hmo_transplant_total", "ko"))
    assert marked(reply.text, "ko") == 1 and slots == {"language": "ko"}


@pytest.mark.parametrize("language", ["ru", "zh", "mn", "ar"])
def test_a_topic_answer_says_every_fact_translated_and_marks_it_once(language):
    reply, slots = run(ActionAnswerTopic(), make_tracker("/ask_transplant", "ask_transplant", language=language))
    shown = [fact for fact in TRANSPLANT_FACTS if translated(fact, language) in reply.text]
    assert shown and not any(english(fact) in reply.text for fact in TRANSPLANT_FACTS)
    assert marked(reply.text, language) == 1
    with speaking(language):
        cited = source_line(reply.meta["sources"])
    assert HEMATOLOGY_PAGE in reply.meta["sources"]
    assert reply.text.splitlines()[-2:] == [say("answer.translated_fact", locale=language), cited]
    assert slots["last_topic"] == "transplant"


ENGLISH_CONVERSATIONS = [
    (ActionAnswerFigures, "how many transplants", "ask_figures", {"last_topic": "transplant"}),
    (ActionAnswerTopic, "what transplants do you do", "ask_transplant", {}),
    (ActionAnswerTopic, "/ask_clinical_trials", "ask_clinical_trials", {}),
    (ActionAnswerTopic, "how big are the skin biopsy samples?", "ask_skin_biopsy", {}),
]


@pytest.mark.parametrize(("action", "text", "intent", "slots"), ENGLISH_CONVERSATIONS)
def test_an_english_conversation_gets_exactly_what_it_got_before(action, text, intent, slots, monkeypatch,
                                                                  store_without_translations):
    now, _ = run(action(), make_tracker(text, intent, **slots))
    answer_from(store_without_translations, monkeypatch)
    before, _ = run(action(), make_tracker(text, intent, **slots))
    assert now.messages == before.messages
    assert "Source" in now.text and "translation" not in now.text
    assert not re.search(r"[\uac00-\ud7a3\u0400-\u04ff\u4e00-\u9fff\u0600-\u06ff]", now.text)


def test_a_fact_without_a_translation_is_said_in_english_without_the_marker(monkeypatch, store_partly_translated):
    answer_from(store_partly_translated, monkeypatch)
    reply, _ = run(ActionAnswerFigures(), make_tracker("조혈모세포이식 몇 건 했어요?", "ask_figures",
                                                       last_topic="transplant", language="ko"))
    assert reply.text.startswith(english("snuh_hmo_transplant_total"))
    assert marked(reply.text, "ko") == 0 and "번역" not in reply.text
    assert reply.text.splitlines()[-1] == say("answer.sources.one", locale="ko", files=HEMATOLOGY_PAGE)


def test_a_reviewed_translation_is_marked_as_reviewed(monkeypatch, store_partly_translated):
    answer_from(store_partly_translated, monkeypatch)
    reply, _ = run(ActionAnswerFigures(), make_tracker("Сколько трансплантаций?", "ask_figures",
                                                       last_topic="transplant", language="ru"))
    assert reply.text.startswith(translated("snuh_hmo_transplant_total", "ru"))
    assert marked(reply.text, "ru", reviewed=True) == 1 and marked(reply.text, "ru") == 0
