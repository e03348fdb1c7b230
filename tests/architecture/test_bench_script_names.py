"""Scripts in bench/ run with bench/ first on sys.path: one named like a standard library
module (bench/queue.py was) stands in for it in every import, the standard library's own
included (gevent, threading helpers)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_no_bench_script_shadows_a_standard_library_module():
    names = {path.stem for path in BENCH.glob("*.py")} | {
        path.name for path in BENCH.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert names, "bench/ has no scripts?"
    assert sorted(names & set(sys.stdlib_module_names)) == []
