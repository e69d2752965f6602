"""`python -m knowledge`: build, stats, ask, search, export-nlu; clear errors, no tracebacks."""
from __future__ import annotations

import os
import subprocess
import sys

from knowledge.__main__ import main
from settings import PROJECT_ROOT


def test_build_stats_ask_search(sqlite_url, capsys):
    assert main(["--database-url", sqlite_url, "build"]) == 0
    assert "kb_facts" in capsys.readouterr().out

    assert main(["--database-url", sqlite_url, "stats"]) == 0
    out = capsys.readouterr().out
    assert "hospitals" in out and "sources" in out and "transplant" in out

    assert main(["--database-url", sqlite_url, "ask", "my 5 year old has neuroblastoma"]) == 0
    out = capsys.readouterr().out
    assert "Pediatric Hematology-Oncology" in out and "001_2893836f267d3b1c.txt" in out and "age: 5" in out

    assert main(["--database-url", sqlite_url, "ask", "leukemia", "--adult"]) == 0
    assert "Hematology, Division of Hematology and Medical Oncology" in capsys.readouterr().out

    assert main(["--database-url", sqlite_url, "search", "hospital school"]) == 0
    assert "hospital schools" in capsys.readouterr().out


def test_export_nlu(tmp_path, capsys):
    assert main(["export-nlu", str(tmp_path / "generated")]) == 0
    assert (tmp_path / "generated" / "knowledge_nlu.yml").is_file()


def test_unbuilt_store_and_bad_input_give_clear_messages(sqlite_url, capsys):
    assert main(["--database-url", sqlite_url, "stats"]) == 1
    err = capsys.readouterr().err
    assert "python -m knowledge build" in err and "Traceback" not in err

    assert main(["--database-url", sqlite_url, "ask", "leukemia", "--age", "500"]) == 2
    assert "--age" in capsys.readouterr().err


def test_real_process_exit_code_and_output(sqlite_url):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": sqlite_url}
    run = subprocess.run([sys.executable, "-m", "knowledge", "ask", "broken leg"], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "python -m knowledge build" in run.stderr and "Traceback" not in run.stderr
    built = subprocess.run([sys.executable, "-m", "knowledge", "build"], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    asked = subprocess.run([sys.executable, "-m", "knowledge", "ask", "broken leg"], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert asked.returncode == 0 and "outside what this service covers" in asked.stdout
