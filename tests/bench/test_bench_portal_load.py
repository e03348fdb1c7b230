"""bench/portal_load.py (locust) runs end to end, small, on PostgreSQL (issue #16 item 7;
the 200-office figures are in docs/benchmarks.md): every request answered, every op
applied once, each office's feed complete, no duplicate in the portal's database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.postgres
def test_ten_offices_pushing_and_pulling_at_once_on_postgresql(tmp_path, pg_database):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "portal_load.py"), "--offices", "10",
         "--dossiers", "10", "--batch", "5", "--interval", "0.5", "--ramp", "1",
         "--baseline", "3", "--run-time", "60", "--database-url", pg_database],
        capture_output=True, text=True, timeout=150, cwd=tmp_path,
        env=dict(os.environ, TMPDIR=str(tmp_path)))
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "errors: 0\n" in out
    # 10 offices x 10 dossiers and the baseline office's 3 x 5, each stored once
    assert ("portal database: 115 dossiers, 115 distinct codes, 115 operations, 115 "
            "changes, 0 dossiers in the feed twice (expected 115 of each); duplicates: 0"
            ) in out
    assert "push of 5 dossiers: p50 " in out and " n=20" in out
    assert "push sent again (all duplicate): p50 " in out and " n=10" in out
