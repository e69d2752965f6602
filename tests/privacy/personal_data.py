"""The personal data the tests type, and a scanner that finds it in log files.

Three sources, so that a new test's data is covered without anyone remembering to list it:

- the test files themselves, read with `ast`: values given for the inquiry's personal fields (dict
  entries and keyword arguments such as `patient_name=...`, `contact_email=...`), and every email
  address at an example domain in any string literal;
- `TYPED_IN_CHATS`: what the REST and browser tests type into the chat as answers (plain strings the
  parser cannot tell from other text);
- `register(...)`: values a test makes up at run time (the privacy tests register theirs).

The scanner compares emails case-insensitively, phone numbers by their digits (so "+7 701 234 5678" is
found as "+77012345678" too) and names and diagnoses case- and space-insensitively.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent.parent
PERSONAL_FIELDS = frozenset({"patient_name", "writer_name", "diagnosis", "contact_email", "contact_phone"})
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?[\d\s().\-/]{8,}")
TYPED_IN_CHATS = frozenset({
    "Aigerim Nurlanovna", "acute myeloid leukemia, diagnosed in March", "+7 701 234 5678", "Tomas Novak",
    "melanoma on my back", "Maria Lopez",
})
_registered: set[str] = set()


def register(*values: str) -> None:
    """Add values a test types (names, emails, phone numbers, diagnoses) to what the log audit checks."""
    _registered.update(value for value in values if value)


def _is_email(value: str) -> bool:
    return EMAIL.fullmatch(value.strip()) is not None


def _is_phone(value: str) -> bool:
    return PHONE.fullmatch(value.strip()) is not None and len(re.sub(r"\D", "", value)) >= 8


def _checkable(value: str) -> bool:
    """Specific enough to mean a leak when found: emails, phone numbers, and texts of two words or more
    (a single word such as "Melanoma" may rightly appear in a log about the knowledge store)."""
    value = value.strip()
    return _is_email(value) or _is_phone(value) or (len(value) >= 6 and len(value.split()) >= 2)


def values_in_source(source: str) -> set[str]:
    """The personal values a test file's code gives literally (see the module's docstring)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values)
        elif isinstance(node, ast.Call):
            pairs = ((ast.Constant(keyword.arg), keyword.value) for keyword in node.keywords if keyword.arg)
        else:
            pairs = ()
        for key, value in pairs:
            if (isinstance(key, ast.Constant) and key.value in PERSONAL_FIELDS and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)):
                found.add(value.value.strip())
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update(email for email in EMAIL.findall(node.value) if ".example" in email or "@example" in email)
    return {value for value in found if _checkable(value)}


def personal_values(tests_dir: Path = TESTS_DIR) -> set[str]:
    """Everything the log audit looks for."""
    values = set(TYPED_IN_CHATS) | {value for value in _registered if value.strip()}
    for path in sorted(tests_dir.rglob("*.py")):
        try:
            values |= values_in_source(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
    return values


def sample_inquiry(conversation_id: str, **overrides: Any) -> dict[str, Any]:
    """A complete inquiry as the chat form passes it, with personal data registered for the audit."""
    data: dict[str, Any] = {
        "conversation_id": conversation_id, "consent": True, "writer": "patient", "patient_name": "Yerlan Sample",
        "age_or_birth_date": "52", "country": "Kazakhstan", "language": "Russian",
        "diagnosis": "Privacy sample carcinoma of the tongue", "stage": "treated", "wants": ["second_opinion"],
        "contact_email": "yerlan.sample@example.kz", "contact_phone": "+7 702 555 0147",
    }
    data.update(overrides)
    register(*(str(data[key]) for key in PERSONAL_FIELDS if data.get(key)))
    return data


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    value: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.value!r}"


def _needle(value: str) -> tuple[str, str]:
    if _is_email(value):
        return "email", value.strip().lower()
    if _is_phone(value):
        return "digits", re.sub(r"\D", "", value)
    return "text", " ".join(value.casefold().split())


def scan_text(text: str, values: Iterable[str], path: Path = Path("-"), first_line: int = 1) -> list[Finding]:
    """Every line of `text` that holds one of `values`."""
    needles = [(_needle(value), value) for value in values]
    findings = []
    for number, line in enumerate(text.splitlines(), start=first_line):
        forms = {"email": line.lower(), "digits": re.sub(r"\D", "", line), "text": " ".join(line.casefold().split())}
        findings += [Finding(path, number, value) for (kind, needle), value in needles if needle in forms[kind]]
    return findings


def scan_files(paths: Iterable[Path], values: Iterable[str], offsets: dict[Path, int] | None = None) -> list[Finding]:
    """Scan log files; for a file in `offsets` only what was written after that byte offset (a file
    that shrank since was rotated or truncated, and is read whole)."""
    values = list(values)
    offsets = offsets or {}
    findings: list[Finding] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        start = offsets.get(path, 0)
        if start > len(data):
            start = 0
        first_line = data[:start].count(b"\n") + 1
        findings += scan_text(data[start:].decode("utf-8", errors="replace"), values, path, first_line)
    return findings


def log_files(directory: Path) -> list[Path]:
    """The log files (current and rotated) anywhere under `directory`."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.rglob("*.log*") if path.is_file())


def sizes(directory: Path) -> dict[Path, int]:
    """The size of each log file under `directory` now (what was there before the run)."""
    result = {}
    for path in log_files(directory):
        try:
            result[path] = path.stat().st_size
        except OSError:
            continue
    return result
