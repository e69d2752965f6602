"""The log audit: no log file written during the test session holds the personal data the tests typed.

`test_no_personal_data_in_any_log_written_during_the_run` is marked `runs_last` (tests/conftest.py moves
it to the end of the session), so it reads what every other test's processes logged: var/log/ (only what
was appended during the run) and every log file under the session's temporary folder (the bots started
by the tests log into `<tmp>/…/logs/`).
"""
from __future__ import annotations

import pytest

from tests.privacy.conftest import VAR_LOG
from tests.privacy.personal_data import log_files, personal_values, scan_files, scan_text, values_in_source


def test_the_scanner_finds_a_planted_email_name_and_phone(tmp_path):
    planted = tmp_path / "logs" / "planted.log"
    planted.parent.mkdir()
    planted.write_text("2026-01-01 10:00:00 INFO rasa - fine\n"
                       "2026-01-01 10:00:01 INFO rasa - user Nadia  OKONKWO wrote NADIA.O@Example.ORG\n"
                       "2026-01-01 10:00:02 INFO rasa - call +82 10 5555 0199 back\n", encoding="utf-8")
    try:
        values = {"Nadia Okonkwo", "nadia.o@example.org", "+82-10-5555-0199", "Somebody Else"}
        found = {(finding.line, finding.value) for finding in scan_files(log_files(tmp_path), values)}
        assert found == {(2, "Nadia Okonkwo"), (2, "nadia.o@example.org"), (3, "+82-10-5555-0199")}
        # only what was written after the offset counts, with the lines numbered as in the file
        first_two_lines = b"".join(planted.read_bytes().splitlines(keepends=True)[:2])
        offset = len(first_two_lines)
        assert {finding.line for finding in scan_files([planted], values, {planted: offset})} == {3}
    finally:
        planted.unlink()  # the session's audit must not find the planted data


def test_redacted_lines_are_not_findings():
    values = {"Nadia Okonkwo", "nadia.o@example.org", "+82-10-5555-0199"}
    assert scan_text("user [removed] wrote [email], call [number]", values) == []


def test_the_test_files_literal_inquiry_data_is_collected():
    source = '''
data = {"patient_name": "Temuulen Bat", "country": "Mongolia", "contact_email": "t.bat@example.mn"}
other = inquiry_data(diagnosis="Wilms tumour, left kidney", contact_phone="+976 8800 1122", writer_name=None)
message = "please write to ops.person@example.org or to support@hospital.kr"
'''
    assert values_in_source(source) == {"Temuulen Bat", "t.bat@example.mn", "Wilms tumour, left kidney",
                                        "+976 8800 1122", "ops.person@example.org"}
    collected = personal_values()
    assert {"Aigerim Nurlanovna", "bat.dorj@example.mn", "Dorj Bold", "+976 9911-2233"} <= collected


@pytest.mark.runs_last
def test_no_personal_data_in_any_log_written_during_the_run(tmp_path_factory, log_sizes_at_start):
    files = log_files(VAR_LOG) + log_files(tmp_path_factory.getbasetemp())
    findings = scan_files(files, personal_values(), log_sizes_at_start)
    assert not findings, "personal data in the logs:\n" + "\n".join(str(f) for f in findings[:50])


def test_the_audit_is_moved_after_every_other_test():
    from tests.conftest import pytest_collection_modifyitems

    class Item:
        def __init__(self, name: str, last: bool) -> None:
            self.name, self.last = name, last

        def get_closest_marker(self, name: str):  # noqa: ANN201 - pytest's Mark or None
            return object() if self.last and name == "runs_last" else None

    items = [Item("a", False), Item("audit", True), Item("b", False), Item("c", False)]
    pytest_collection_modifyitems(None, items)
    assert [item.name for item in items] == ["a", "b", "c", "audit"]
    marks = test_no_personal_data_in_any_log_written_during_the_run.pytestmark
    assert [mark.name for mark in marks] == ["runs_last"]
