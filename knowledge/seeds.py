"""The seed documents: reading them, normalising whitespace, and splitting them into sentences.

The seed files under `knowledge/sources/` are the hospitals' own pages. Every row of the knowledge store
cites one of them by file name plus a sentence copied verbatim from it. "Verbatim" is checked with
whitespace normalised (the pages contain non-breaking spaces and line breaks the curator cannot see),
but every other character must match, including curly quotes, because they are part of the source.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent / "sources"

# Site navigation and header text scraped along with the pages; it is not content and is never cited
# as a fact. Longest first, so a header line is removed whole before its shorter pieces.
PAGE_CHROME = (
    "KIMA - Korea International Medical Association KIMA logo",
    "KIMA - Korea International Medical Association",
    "Skip To Content",
    "Full Menu",
    "전체 검색",
)

# A line without sentence punctuation at its end and this short is a heading ("Hemato Oncology",
# "2. Introduction", a news headline or dateline), not a sentence of content.
_HEADING_MAX_WORDS = 14
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9+‘“'\"(])")
_WHITESPACE = re.compile(r"\s+")


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace (including non-breaking spaces) to one space and strip."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def seed_files(sources_dir: Path = SOURCES_DIR) -> list[str]:
    """The seed documents' file names (the `.txt` pages; the README is provenance, not a page)."""
    return sorted(path.name for path in sources_dir.glob("*.txt"))


@lru_cache(maxsize=32)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def read_seed(file_name: str, sources_dir: Path = SOURCES_DIR) -> str:
    """The raw text of one file in the sources folder (a seed page or the README)."""
    return _read(str(sources_dir / file_name))


def normalised_seed(file_name: str, sources_dir: Path = SOURCES_DIR) -> str:
    """The file's text with whitespace normalised, the form citations are compared against."""
    return _normalised(str(sources_dir / file_name))


@lru_cache(maxsize=32)
def _normalised(path: str) -> str:
    return normalise_whitespace(_read(path))


def is_verbatim(sentence: str, file_name: str, sources_dir: Path = SOURCES_DIR) -> bool:
    """Whether `sentence` occurs in the file, comparing with whitespace normalised only."""
    needle = normalise_whitespace(sentence)
    return bool(needle) and needle in normalised_seed(file_name, sources_dir)


def _strip_chrome(line: str) -> str:
    for chrome in PAGE_CHROME:
        line = line.replace(chrome, " ")
    return normalise_whitespace(line)


def _is_heading(line: str) -> bool:
    return not line.endswith((".", ",", ":", ";", "!", "?")) and len(line.split()) <= _HEADING_MAX_WORDS


def content_sentences(file_name: str, sources_dir: Path = SOURCES_DIR) -> list[str]:
    """The content sentences of a seed page: page chrome and headings removed, paragraphs split.

    A heading is a short line without closing punctuation (titles, numbered section names, the news
    dateline). A paragraph that ends in a phone number still counts as content.
    """
    sentences: list[str] = []
    for raw_line in read_seed(file_name, sources_dir).splitlines():
        line = _strip_chrome(raw_line)
        if not line or _is_heading(line):
            continue
        sentences.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return sentences
