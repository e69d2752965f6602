"""The translated catalogs (messages/locales/<locale>): the emergency answer in every patient language,
119 first; every other message falls back to English; each carries its native-speaker review flag."""
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
def test_untranslated_messages_fall_back_to_english(locale):
    assert "answer.none" not in catalog(locale)
    assert say("answer.none", locale=locale) == say("answer.none")
    assert say("answer.as_of", locale=locale, date="2026-12-01") == "(as of 2026-12-01)"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_translation_is_marked_reviewed_before_a_native_speaker_has(locale):
    """Flip the header to true only after a native speaker's review (issue #15)."""
    assert reviewed_by_native_speaker(locale) is False


def test_the_source_counts_as_reviewed_and_an_unknown_locale_as_not():
    assert reviewed_by_native_speaker(SOURCE_LOCALE) is True
    assert reviewed_by_native_speaker("xx") is False
