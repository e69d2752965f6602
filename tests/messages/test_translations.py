"""The translated catalogs (messages/locales/<locale>): every sentence in every patient language, the
emergency answer with 119 first; a message a catalog lacks falls back to English; each catalog carries
its native-speaker review flag."""
from __future__ import annotations

import re

import pytest

from languages import LANGUAGES
from languages.detection import detect_language
from messages import SOURCE_LOCALE, catalog, locales, placeholders, reviewed_by_native_speaker, say

TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LOCALE]


def test_every_patient_language_has_a_catalog():
    assert locales() == [SOURCE_LOCALE, *sorted(TRANSLATED)]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_emergency_answer_is_translated_with_119_first(locale):
    text = say("emergency.answer", locale=locale)
    assert text != say("emergency.answer")
    first_line = text.splitlines()[0]
    assert re.findall(r"\d+", first_line)[0] == "119"  # no other number comes before it
    assert "109" in text  # Korea's suicide prevention line
    assert detect_language(text) == locale


@pytest.mark.parametrize("locale", TRANSLATED)
def test_a_translation_holds_only_ids_of_the_source_with_the_same_parameters(locale):
    translated = catalog(locale)
    assert set(translated) <= set(catalog())
    assert all(placeholders(message_id, locale) == placeholders(message_id) for message_id in translated)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_sentence_of_the_source_is_translated(locale):
    """A message added in English is added in every patient language too (issue #15)."""
    translated = catalog(locale)
    assert sorted(set(catalog()) - set(translated)) == []
    # the translation is not the English left in place (formats made only of parameters may be)
    same = [message_id for message_id, text in translated.items()
            if text == catalog()[message_id] and re.search(r"[A-Za-z]{4}", re.sub(r"\{\w+\}", "", text))]
    assert same == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_a_message_missing_from_a_catalog_falls_back_to_english(locale, monkeypatch):
    import messages
    real = messages.catalog
    monkeypatch.setattr(messages, "catalog", lambda wanted=SOURCE_LOCALE: real() if wanted == SOURCE_LOCALE else {})
    assert messages.say("answer.none", locale=locale) == real()["answer.none"]
    assert messages.say("answer.as_of", locale=locale, date="2026-12-01") == "(as of 2026-12-01)"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_translation_is_marked_reviewed_before_a_native_speaker_has(locale):
    """Flip the header to true only after a native speaker's review (issue #15)."""
    assert reviewed_by_native_speaker(locale) is False


def test_the_source_counts_as_reviewed_and_an_unknown_locale_as_not():
    assert reviewed_by_native_speaker(SOURCE_LOCALE) is True
    assert reviewed_by_native_speaker("xx") is False
