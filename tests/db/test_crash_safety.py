"""Crash safety (issue #7, Required 4): a receiving counter killed with SIGKILL at random
moments, many times, loses nothing it reported and leaves a consistent database.

After every kill: every dossier whose code the process printed (after the service call
returned, i.e. after the commit) is in the database with the status it reported; the
file passes ``PRAGMA integrity_check``; the dossier numbers of the day have no gaps
(the number is taken inside the receiving transaction, so a killed receipt gives its
number back); the outbox holds exactly one operation per change (per dossier event);
and the audit hash chain is whole.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
from appfixtures import SAMPLE_QR, make_ctx

from sadec_desk.bootstrap import open_context
from sadec_desk.config import load_config
from sadec_desk.services import audit

CHILD = f"""
import sys
from sadec_desk.config import load_config
from sadec_desk.services.reception import dossiers
from sadec_desk.bootstrap import open_context

ctx = open_context(load_config())
# the first receipt of a process pays for imports (holidays: ~1 s on a loaded machine); take it
# before READY so that the random kills land among commits, not among imports
first = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text={SAMPLE_QR!r}, pages=1)
print("READY", flush=True)
print("W", first.code, flush=True)
i = 1
while True:
    info = dossiers.receive_dossier(ctx, procedure_code="2.000815", qr_text={SAMPLE_QR!r},
                                    pages=1)
    print("R", info.code, flush=True)
    if i % 3 == 0:
        dossiers.advance_dossier(ctx, info.code, "done")
        print("A", info.code, flush=True)
    i += 1
"""

ROUNDS = 20
REPORTED = re.compile(r"([WRA]) (\S+-\d{6}-\d{4})")


def _run_and_kill(rng: random.Random) -> tuple[set[str], set[str], set[str]]:
    """Start a receiving process, SIGKILL it at a random moment; return what it reported:
    the dossiers received (the warm-up one included), those received after the warm-up, those
    advanced."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    received, advanced, after_warm_up = set(), set(), set()
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read()
        # let it run for a random 0-400 ms: kills land before, inside and after commits
        deadline = time.monotonic() + rng.uniform(0.0, 0.4)
        os.set_blocking(proc.stdout.fileno(), False)
        while time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        os.set_blocking(proc.stdout.fileno(), True)
        text = proc.stdout.read()
        # only whole lines count as reported: a line cut by the kill was never shown
        for line in text.split("\n")[:-1]:
            match = REPORTED.fullmatch(line)
            assert match, f"unexpected output {line!r}"
            (advanced if match[1] == "A" else received).add(match[2])
            if match[1] == "R":
                after_warm_up.add(match[2])
    finally:
        if proc.poll() is None:  # pragma: no cover - only if an assert fired early
            proc.kill()
            proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return received, after_warm_up, advanced


def _check(path, reported: set[str], done: set[str]) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(conn.execute("SELECT code, status FROM dossier").fetchall())
        missing = reported - set(rows)
        assert not missing, f"reported but lost: {sorted(missing)}"
        assert all(rows[code] == "done" for code in done)
        # numbers of each day: 1..N with no gap, and the day's counter stands at N
        by_day: dict[str, list[int]] = {}
        for code in rows:
            prefix, _dash, number = code.rpartition("-")
            by_day.setdefault(prefix, []).append(int(number))
        for numbers in by_day.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert (conn.execute("SELECT COALESCE(SUM(last), 0) FROM dossier_sequence").fetchone()[0]
                == len(rows))
        # exactly one outbox operation per change
        ops = Counter(op for (op,) in conn.execute("SELECT op FROM outbox"))
        kinds = Counter(k for (k,) in conn.execute("SELECT kind FROM dossier_event"))
        assert ops["dossier.received"] == kinds["received"] == len(rows)
        assert ops["dossier.status"] == kinds["status"]
        assert sum(ops.values()) == sum(kinds.values())
        per_change = conn.execute(
            "SELECT COUNT(*) FROM (SELECT dossier_uuid, op, COUNT(*) AS n FROM outbox "
            "WHERE op = 'dossier.received' GROUP BY dossier_uuid HAVING n > 1)").fetchone()[0]
        assert per_change == 0
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing():
    ctx = make_ctx()
    path = ctx.config.sqlite_path
    ctx.close()
    rng = random.Random(20261126)
    reported: set[str] = set()
    done: set[str] = set()
    killed_among_commits = 0
    for _round in range(ROUNDS):
        received, after_warm_up, advanced = _run_and_kill(rng)
        reported |= received
        killed_among_commits += len(after_warm_up)
        done |= advanced
        _check(path, reported, done)
    # the kills did not all land before the receipts that follow the warm-up
    assert killed_among_commits >= ROUNDS
    ctx = open_context(load_config())
    try:
        report = audit.verify_chain(ctx)
        assert report.ok, report.problems
    finally:
        ctx.close()
