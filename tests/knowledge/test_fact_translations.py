"""The facts' translations (knowledge/content/translations/<code>.yml, issue #15): every fact in every
patient language, checked like the rest of the content (an unknown fact, a lost figure or a wrong language
names the file and the entry), stored beside the facts in the build's one transaction and read with them,
once per build."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from knowledge import loader
from knowledge.catalog import CONTENT_DIR, ContentError, load_catalog
from knowledge.database import open_session
from knowledge.fact_translations import LANGUAGES, figures, translations_dir
from knowledge.models import FactTranslationRow
from knowledge.queries import facts_by_topic
from knowledge.snapshot import forget_kept_rows
from languages import LANGUAGES as PATIENT_LANGUAGES
from settings.database import shared_engine

KOREAN = "translations/ko.yml"


@pytest.fixture()
def content_copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"test setup: {old!r} not in {path.name}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def _korean_line(content: Path, fact_id: str) -> str:
    return next(line for line in (content / KOREAN).read_text(encoding="utf-8").splitlines()
                if line.startswith(f"  {fact_id}: "))


# --------------------------------------------------------------------------------------------------
# The files
# --------------------------------------------------------------------------------------------------


def test_every_patient_language_but_english_has_a_file():
    assert set(LANGUAGES) == set(PATIENT_LANGUAGES) - {"en"}
    assert sorted(p.stem for p in translations_dir(CONTENT_DIR).glob("*.yml")) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_fact_has_a_translation_in_every_language(catalog, language):
    translated = catalog.fact_translations[language]
    assert sorted(set(catalog.facts) - set(translated)) == []
    assert set(translated) <= set(catalog.facts)
    for fact_id, entry in translated.items():
        assert entry.text and entry.text != catalog.facts[fact_id].text, (language, fact_id)
        # the figures of the English text, in the same digits (the loader checks it; this says so)
        assert set(figures(catalog.facts[fact_id].text)) <= set(figures(entry.text)), (language, fact_id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_marked_reviewed_before_a_native_speaker_has(catalog, language):
    """Flip the file's flag (or an entry's) only after a native speaker's review (issue #15)."""
    assert not any(entry.reviewed_by_native_speaker for entry in catalog.fact_translations[language].values())


# --------------------------------------------------------------------------------------------------
# Validation: file and entry named
# --------------------------------------------------------------------------------------------------


def test_an_unknown_fact_id_is_refused_naming_file_and_entry(content_copy):
    with (content_copy / KOREAN).open("a", encoding="utf-8") as handle:
        handle.write('  snuh_hmo_no_such_fact: "없는 사실입니다."\n')
    with pytest.raises(ContentError) as raised:
        load_catalog(content_copy)
    message = str(raised.value)
    assert "translations/ko.yml, facts.snuh_hmo_no_such_fact" in message
    assert "does not exist in the content" in message


def test_a_translation_of_a_renamed_fact_stops_the_build_and_leaves_the_store(content_copy, sqlite_url):
    loader.build(sqlite_url)
    _edit(content_copy / "snuh_pediatric_hematology_oncology.yml", "  - id: peds_palliative_care\n",
          "  - id: peds_palliative_team\n")
    with pytest.raises(ContentError, match=r"translations/ar\.yml, facts\.peds_palliative_care: fact "
                                           r"'peds_palliative_care' does not exist"):
        loader.build(sqlite_url, content_dir=content_copy)
    with open_session(sqlite_url) as session:
        assert {row.language for row in session.execute(select(FactTranslationRow)).scalars()} == set(LANGUAGES)


def test_a_figure_lost_in_translation_is_refused(content_copy):
    line = _korean_line(content_copy, "snuh_hmo_transplant_total")
    _edit(content_copy / KOREAN, line, line.replace("3,200", "3,300"))
    with pytest.raises(ContentError, match=r"ko\.yml, facts\.snuh_hmo_transplant_total: the English text's "
                                           r"figure\(s\) 3200 are not in the translation"):
        load_catalog(content_copy)


def test_a_figure_in_other_digits_is_refused(content_copy):
    line = _korean_line(content_copy, "snuh_hmo_founded")
    _edit(content_copy / KOREAN, line, line.replace("1978", "١٩٧٨"))
    with pytest.raises(ContentError, match=r"facts\.snuh_hmo_founded: .*1978"):
        load_catalog(content_copy)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("language: ko\n", "language: ru\n", r"ko\.yml: 'language' must be the file's name"),
    ("reviewed_by_native_speaker: false\n", "reviewed_by_native_speaker: maybe\n",
     r"ko\.yml: 'reviewed_by_native_speaker' \(true or false\) is required"),
    ("language: ko\n", "language: ko\nnotes: x\n", r"ko\.yml: unknown section\(s\) 'notes'"),
])
def test_a_broken_header_is_refused_naming_the_file(content_copy, old, new, expected):
    _edit(content_copy / KOREAN, old, new)
    with pytest.raises(ContentError, match=expected):
        load_catalog(content_copy)


def test_an_empty_translation_is_refused(content_copy):
    line = _korean_line(content_copy, "skin_follow_up_instructions")
    _edit(content_copy / KOREAN, line, '  skin_follow_up_instructions: " "')
    with pytest.raises(ContentError, match=r"ko\.yml, facts\.skin_follow_up_instructions: .*non-empty text"):
        load_catalog(content_copy)


def test_content_without_translations_loads_with_none(content_copy):
    shutil.rmtree(translations_dir(content_copy))
    assert load_catalog(content_copy).fact_translations == {}


# --------------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------------


def test_the_translations_are_stored_beside_their_facts_and_read_back(built_database_url, catalog):
    with open_session(built_database_url) as session:
        facts = {fact.id: fact for fact in facts_by_topic(session, None)}
        rows = session.execute(select(FactTranslationRow)).scalars().all()
    assert len(rows) == len(catalog.facts) * len(LANGUAGES)
    fact = facts["snuh_hmo_transplant_total"]
    assert fact.text == catalog.facts[fact.id].text  # the English text and its source are unchanged
    assert fact.source.file == "000_3640c03fd6599930.txt" and "3,200" in fact.source.sentence
    assert [t.language for t in fact.translations] == sorted(LANGUAGES)
    korean = fact.translation("ko")
    assert korean.text == catalog.fact_translations["ko"][fact.id].text and "3,200" in korean.text
    assert korean.reviewed_by_native_speaker is False
    assert fact.translation("en") is None and fact.translation("xx") is None
    assert len({fact, facts["snuh_hmo_transplant_total"]}) == 1  # still hashable


def test_a_reviewed_entry_keeps_its_own_flag(content_copy, sqlite_url):
    line = _korean_line(content_copy, "peds_transplant")
    value = line.split(": ", 1)[1]
    _edit(content_copy / KOREAN, line, f"  peds_transplant:\n    text: {value}\n    reviewed_by_native_speaker: true")
    report = loader.build(sqlite_url, content_dir=content_copy)
    assert report.counts["kb_fact_translations"] == len(load_catalog().facts) * len(LANGUAGES)
    with open_session(sqlite_url) as session:
        facts = {fact.id: fact for fact in facts_by_topic(session, "transplant")}
    assert facts["peds_transplant"].translation("ko").reviewed_by_native_speaker is True
    assert facts["peds_transplant"].translation("ru").reviewed_by_native_speaker is False
    assert facts["snuh_hmo_transplant_total"].translation("ko").reviewed_by_native_speaker is False


def test_the_translations_are_read_once_per_build(sqlite_url):
    loader.build(sqlite_url)
    with open_session(sqlite_url) as session:
        facts_by_topic(session, "transplant")
    seen: list[str] = []
    event.listen(shared_engine(sqlite_url), "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    with open_session(sqlite_url) as session:
        assert facts_by_topic(session, "transplant")[0].translations
    assert not [s for s in seen if "FROM kb_fact_translations" in s]


def test_a_store_built_before_translations_still_answers_in_english(sqlite_url):
    loader.build(sqlite_url)
    with shared_engine(sqlite_url).begin() as connection:
        connection.execute(text("DROP TABLE kb_fact_translations"))  # as an older version built it
    forget_kept_rows()
    with open_session(sqlite_url, check_built=False) as session:
        facts = facts_by_topic(session, "transplant")
    assert facts and all(fact.translations == () for fact in facts)
