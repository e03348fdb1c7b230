"""bench/search.py runs end to end on a small database (the 1,000,000-dossier figures are
in docs/benchmarks.md): the fill, the service's answers checked equal to the LIKE scan's,
the lines the issue asks for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_search_runs_small_on_sqlite(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "search.py"), "--dossiers", "3000", "--seed",
         "20", "--queries", "20", "--like-runs", "5", "--backend", "sqlite"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert done.returncode in (0, 1), done.stderr  # 1: a target not met, still a run
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("== SQLite 3."))
    # the lines, exactly, under the database's header
    assert re.fullmatch(r"find by name over 3000 dossiers: median \d+\.\d ms p95 \d+\.\d ms "
                        r"\(LIKE scan: median \d+\.\d ms\)", lines[header + 1])
    assert any(re.fullmatch(r"find by ID number over 3000 dossiers: median \d+\.\d ms "
                            r"p95 \d+\.\d ms", line) for line in lines[header:])
    assert any(re.fullmatch(r"find by code over 3000 dossiers: median \d+\.\d ms "
                            r"p95 \d+\.\d ms", line) for line in lines[header:])
