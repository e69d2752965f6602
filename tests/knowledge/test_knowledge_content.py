"""The curated content against the seed pages: every citation verbatim, every sentence cited,
every row reachable through a query, no figure the page does not give."""
from __future__ import annotations

import re

import pytest

from knowledge import queries
from knowledge.catalog import Catalog
from knowledge.seeds import SOURCES_DIR, content_sentences

SEED_FILES = sorted(p.name for p in SOURCES_DIR.glob("*.txt"))
# Site navigation and header text that came with the pages; written out here, independently of the package.
MENU_DEBRIS = ["KIMA - Korea International Medical Association KIMA logo",
               "KIMA - Korea International Medical Association", "Skip To Content", "Full Menu", "전체 검색"]


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _sentences(file_name: str) -> list[str]:
    """The page's content sentences: debris and headings (short lines without a final stop) dropped."""
    sentences = []
    for line in (SOURCES_DIR / file_name).read_text(encoding="utf-8").splitlines():
        for debris in MENU_DEBRIS:
            line = line.replace(debris, " ")
        line = _norm(line)
        if not line or (not line.endswith((".", ",")) and len(line.split()) < 15):
            continue
        sentences.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9+‘'(])", line) if s)
    return sentences


def test_there_are_four_seed_pages_with_content():
    assert len(SEED_FILES) == 4
    for name in SEED_FILES:
        assert len(_sentences(name)) >= 9, name
        assert not any(d in s for s in _sentences(name) for d in MENU_DEBRIS)


def test_the_packages_sentence_split_agrees_with_this_one():
    for name in SEED_FILES:
        assert [_norm(s) for s in content_sentences(name)] == _sentences(name)


def test_every_citation_is_verbatim_in_its_seed_file(catalog: Catalog):
    citations = catalog.citations()
    assert len(citations) > 100
    for citation in citations:
        page = _norm((SOURCES_DIR / citation.file).read_text(encoding="utf-8"))
        assert _norm(citation.sentence) in page, (citation.file, citation.sentence[:80])
        assert not any(citation.sentence.strip() == d for d in MENU_DEBRIS)


def test_every_content_sentence_is_cited(catalog: Catalog):
    cited: dict[str, list[str]] = {}
    for citation in catalog.citations():
        cited.setdefault(citation.file, []).append(_norm(citation.sentence))
    uncited = []
    for name in SEED_FILES:
        for sentence in _sentences(name):
            # Covered when a citation contains the sentence, or is most of it (a paragraph's header
            # line like "KIMA ... logo" is not part of the cited sentence).
            if not any(sentence in c or (c in sentence and len(c) >= 0.6 * len(sentence)) for c in cited.get(name, [])):
                uncited.append(f"{name}: {sentence[:90]}")
    assert not uncited, "\n".join(uncited)


def test_every_row_about_a_hospital_has_a_source(session):
    from sqlalchemy import inspect

    inspector = inspect(session.get_bind())
    content_tables = ["kb_hospitals", "kb_organizations", "kb_units", "kb_treatments", "kb_offerings",
                      "kb_partner_departments", "kb_facts", "kb_follow_up_steps", "kb_contacts"]
    for table in content_tables:
        column = next(c for c in inspector.get_columns(table) if c["name"] == "source_id")
        assert column["nullable"] is False, table


def _figures(text: str) -> set[str]:
    # "3,200" is one figure; "8991,8992" (a list of phone lines) is two.
    return set(re.findall(r"\d+", re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)))


def test_no_figure_the_page_does_not_give(catalog: Catalog):
    """Every number in patient-facing text appears in the sentence it cites (or the dateline)."""
    rows = [*catalog.facts.values(), *catalog.offerings.values(), *catalog.treatments.values(),
            *catalog.follow_up.values()]
    for row in rows:
        text = getattr(row, "text", None) or row.reason
        allowed = _figures(row.citation.sentence)
        if getattr(row, "as_of_citation", None):
            allowed |= _figures(row.as_of_citation.sentence)
        assert _figures(text) <= allowed, (row.where, _figures(text) - allowed)


def test_dated_statements_carry_their_date(catalog: Catalog):
    """Statements of the news item about SMC are as of its date, not about today."""
    news_item = "003_2b94a502dc15cabe.txt"
    rows = [*catalog.facts.values(), *catalog.offerings.values(), *catalog.treatments.values()]
    for row in rows:
        if row.citation.file == news_item and getattr(row, "unit", None) is not None:
            assert row.as_of == "2021-10-08", row.where  # "October 8,2021": the news item's date
        if row.as_of:
            assert row.as_of_citation is not None and row.as_of[:4] in row.as_of_citation.sentence


def test_the_unnamed_hospital_is_represented_honestly(catalog: Catalog):
    units_of_page_001 = [u for u in catalog.units.values() if u.citation.file == "001_2893836f267d3b1c.txt"]
    assert units_of_page_001
    for unit in units_of_page_001:
        hospital = catalog.hospitals[unit.hospital]
        assert "site" in hospital.name and hospital.note and "does not name" in hospital.note
        assert hospital.note_citation.file == "README.md"
        # The page itself never names a hospital, so no fact from it may claim one by name.
    for fact in catalog.facts.values():
        if fact.citation.file == "001_2893836f267d3b1c.txt":
            assert "Seoul National" not in fact.text and "SNUH" not in fact.text, fact.id


def test_kima_phone_lines_are_kimas(session):
    lines = queries.contacts(session)
    assert [c.value for c in lines] == ["+82-43-713-8991", "+82-43-713-8992", "+82-43-713-8993"]
    for line in lines:
        assert line.organization.short_name == "KIMA" and line.hospital is None
        assert line.about_hospital.id == "smc" and "not" in line.note.lower() or "no phone" in line.note
    assert queries.contacts(session, "snuh") == []


# ------------------------------------------------------------------------------------------------
# Every row is reachable through a query function
# ------------------------------------------------------------------------------------------------


def test_every_fact_is_reachable_by_topic(session, catalog: Catalog):
    for fact in catalog.facts.values():
        for topic in fact.topics:
            assert fact.id in {f.id for f in queries.facts_by_topic(session, topic)}, (fact.id, topic)
        if fact.unit:
            assert fact.id in {f.id for f in queries.facts_by_topic(session, fact.topics[0], unit_id=fact.unit)}
            hospital = catalog.units[fact.unit].hospital
            assert fact.id in {f.id for f in queries.facts_by_topic(session, fact.topics[0], hospital_id=hospital)}


def test_every_fact_is_found_by_searching_its_own_words(session, catalog: Catalog):
    found = sum(fact.id in {f.id for f in queries.search(session, fact.text, limit=5)} for fact in catalog.facts.values())
    assert found == len(catalog.facts)


def test_every_offering_partner_follow_up_and_contact_is_reachable(session, catalog: Catalog):
    for offering in catalog.offerings.values():
        items = queries.unit_offerings(session, offering.unit).items
        assert (offering.unit, offering.service) in {(o.unit.id, o.service.id) for o in items}
        hospital = catalog.units[offering.unit].hospital
        assert offering.service in {o.service.id for o in queries.hospital_offerings(session, hospital).items}
        assert queries.service_availability(session, offering.service, offering.unit).offered is True
    for partner in catalog.partners.values():
        assert partner.department in {p.department for p in queries.partner_departments(session, partner.unit)}
    for step in catalog.follow_up.values():
        assert (step.unit, step.step) in {(s.unit.id, s.step) for s in queries.follow_up_care(session, step.unit)}
    contact_ids = {c.id for c in queries.contacts(session)}
    assert set(catalog.contacts) <= contact_ids


def test_every_treatment_row_is_reachable_by_routing(session, catalog: Catalog):
    for treatment in catalog.treatments.values():
        if treatment.condition:
            text = catalog.conditions[treatment.condition].name
        else:
            # The generic condition of the category, e.g. "blood cancer" for blood_cancer.
            text = next(c.name for c in catalog.conditions.values() if c.category == treatment.category
                        and c.parent is None and c.id in (treatment.category, "cancer_treatment_skin_problem"))
        age = 8 if treatment.age_group == "child" else 40
        routes = queries.route_patient(session, text, age=age).routes
        assert treatment.unit in {r.unit.id for r in routes}, (treatment.id, text)


@pytest.mark.parametrize("topic", queries.TOPICS)
def test_every_topic_has_facts(session, topic):
    assert queries.facts_by_topic(session, topic)
