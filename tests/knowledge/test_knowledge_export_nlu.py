"""The generated Rasa NLU file: lookup tables and synonyms from the curated vocabulary."""
from __future__ import annotations

import pytest
import yaml
from spacy.lang.en.stop_words import STOP_WORDS

from knowledge.catalog import Catalog
from knowledge.export_nlu import OUTPUT_NAME, export_nlu


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    directory = tmp_path_factory.mktemp("generated") / "nested"
    path = export_nlu(directory)
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def _lines(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("- ")]


def test_file_shape(exported):
    path, data = exported
    assert path.name == OUTPUT_NAME and path.read_text(encoding="utf-8").startswith("# Generated")
    assert data["version"] == "3.1"
    lookups = {item["lookup"]: _lines(item["examples"]) for item in data["nlu"] if "lookup" in item}
    assert set(lookups) == {"condition", "service", "hospital"}


def test_lookups_are_clean_and_complete(exported, catalog: Catalog):
    _, data = exported
    lookups = {item["lookup"]: _lines(item["examples"]) for item in data["nlu"] if "lookup" in item}
    for name, entries in lookups.items():
        folded = [e.casefold() for e in entries]
        assert len(folded) == len(set(folded)), f"duplicates in {name}"
        assert not [e for e in entries if all(w in STOP_WORDS for w in e.lower().split())]
        assert all(e == e.strip() and e for e in entries)
    assert "ALL" not in lookups["condition"]  # case-sensitive acronyms would match the word "all"
    assert {"leukemia", "leukaemia", "neuroblastoma", "blood cancer"} <= set(lookups["condition"])
    assert {"bone marrow transplant", "BMT", "half-match donor", "CAR-T"} <= set(lookups["service"])
    assert {"Samsung Medical Center", "SNUH"} <= set(lookups["hospital"])
    for condition in catalog.conditions.values():
        assert condition.name in lookups["condition"]


def test_synonyms_map_aliases_to_canonical_names(exported, catalog: Catalog):
    _, data = exported
    synonyms = {item["synonym"]: _lines(item["examples"]) for item in data["nlu"] if "synonym" in item}
    assert "leukaemia" in synonyms["leukemia"] and "leukemai" in synonyms["leukemia"]
    assert "BMT" in synonyms["hematopoietic stem cell transplantation"]
    owner: dict[str, str] = {}
    for canonical, aliases in synonyms.items():
        for alias in aliases:
            assert alias.casefold() != canonical.casefold()
            assert owner.setdefault(alias.casefold(), canonical) == canonical, f"{alias} maps twice"


def test_rasa_reads_it(exported):
    rasa_reader = pytest.importorskip("rasa.shared.nlu.training_data.formats.rasa_yaml")
    path, _ = exported
    training_data = rasa_reader.RasaYAMLReader().reads(path.read_text(encoding="utf-8"))
    names = {table["name"] for table in training_data.lookup_tables}
    assert names == {"condition", "service", "hospital"}
    assert training_data.entity_synonyms["leukaemia"] == "leukemia"
