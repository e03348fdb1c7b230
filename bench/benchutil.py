"""Shared by the benchmark scripts: percentiles, one-line figures, the machine, a baseline.

Scripts run as ``python bench/NAME.py``, so this module is importable as ``benchutil``.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from pathlib import Path


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def describe(label: str, seconds: list[float], *, width: int = 52, with_max: bool = False) -> str:
    """'label  median x ms  p99 y ms [max z ms]  n=N' for a list of durations in seconds."""
    ms = [s * 1000 for s in seconds]
    line = (f"{label:<{width}} median {statistics.median(ms):7.3f} ms   "
            f"p99 {percentile(ms, 0.99):7.3f} ms   ")
    if with_max:
        line += f"max {max(ms):7.3f} ms   "
    return line + f"n={len(ms)}"


def target(label: str, seconds: list[float], limit_ms: float) -> str:
    """'target LABEL p99 <= N ms: met (x ms)' for a list of durations in seconds."""
    p99 = percentile(seconds, 0.99) * 1000
    return f"target {label} p99 <= {limit_ms:g} ms: {'met' if p99 <= limit_ms else 'NOT met'} " \
        f"({p99:.2f} ms)"


def machine(*libraries: str) -> str:
    """Platform, CPUs, Python and the versions of the named libraries."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [platform.platform(), platform.processor() or platform.machine(),
             f"{os.cpu_count()} CPUs", f"Python {platform.python_version()}",
             f"SQLite {sqlite3.sqlite_version}"]
    for name in libraries:
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return " | ".join(parts)


def bench_baseline_commit(path: Path, n: int) -> list[float]:
    """One bare one-row INSERT + COMMIT with our durable pragmas: the floor of any write."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=full")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", (f"row {i}",))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def card(i: int) -> str:
    """CCCD QR text of the i-th synthetic citizen (distinct ID numbers)."""
    names = ["Nguyễn Thị Hoa", "Trần Văn Đức", "Lê Thị Ánh Tuyết", "Phạm Quốc Bảo",
             "Huỳnh Ngọc Hân", "Võ Minh Trí"]
    gender = "Nữ" if i % 2 == 0 else "Nam"
    return (f"{87_000_000_000 + i:012d}||{names[i % len(names)]}|{1 + i % 28:02d}0"
            f"{1 + i % 9}19{50 + i % 50}|{gender}|Ấp {i % 30}, xã Tân Khánh Đông, "
            f"thành phố Sa Đéc, Đồng Tháp|01022022")
