"""Receive throughput and listing speed on an embedded SQLite database.

    .venv/bin/python bench/receive.py [--dossiers 10000] [--list-total 100000]

1. Receives N dossiers through the service layer (QR parse, due date, fee, code,
   citizen upsert, dossier + papers + event + outbox rows, durable commit with
   synchronous=FULL) into a fresh SQLite file; prints median / p99 per dossier
   and the total. Baseline in the same run: one bare one-row INSERT + COMMIT
   with the same pragmas (the cost of the durable commit alone).
2. Grows the table to --list-total dossiers and times `dossier list` (the newest
   50, with and without a status filter) through the service layer; baseline:
   the bare SELECT ... ORDER BY received_at DESC LIMIT 50 with sqlite3.

Targets (foundation issue): p99 receive <= 5 ms; newest 50 of 100,000 <= 20 ms.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchutil import bench_baseline_commit, card, describe, machine, target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--list-total", type=int, default=100_000)
    parser.add_argument("--list-runs", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sadec-bench-"))
    os.environ["SADEC_DESK_CONFIG"] = str(workdir / "config.toml")
    os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / "data")

    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config, save_setting
    from sadec_desk.domain.timezone import VN_TZ
    from sadec_desk.services.reception import dossiers

    print("machine:", machine("peewee"))
    print("data dir:", workdir)
    print()

    save_setting("office.agency_code", "000.00.14.H20")
    base = datetime(2026, 1, 5, 7, 30, tzinfo=VN_TZ)
    tick = {"i": 0}

    def clock():  # three minutes between counters' receipts, realistic codes per day
        return base + timedelta(minutes=3 * tick["i"])

    ctx = open_context(load_config(), clock=clock)
    procedures = ["1.001193", "2.000815", "1.004873", "2.000884", "1.000656"]
    receive_times = []
    started = time.perf_counter()
    for i in range(args.dossiers):
        tick["i"] = i
        t0 = time.perf_counter()
        dossiers.receive_dossier(ctx, procedure_code=procedures[i % len(procedures)],
                                 qr_text=card(i), pages=1 + i % 4, copies=1)
        receive_times.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    baseline = bench_baseline_commit(workdir / "baseline.sqlite3", args.dossiers)
    print(describe("receive_dossier (service, durable commit)", receive_times))
    print(describe("baseline: bare INSERT + COMMIT (same pragmas)", baseline))
    print(f"total for {args.dossiers} dossiers: {total:.2f} s "
          f"({args.dossiers / total:.0f} dossiers/s)")
    print()

    # Grow to list_total rows by copying the received ones k days later (fast, in SQL).
    db = ctx.database
    copies = max(0, -(-args.list_total // args.dossiers) - 1)
    columns = [c.name for c in db.get_columns("dossier") if c.name != "id"]
    shifted = {
        "uuid": "uuid || '-' || k.n",
        "code": "code || '-' || k.n",
        "received_at": "datetime(received_at, '+' || (k.n * 400) || ' days')",
        "due_at": "datetime(due_at, '+' || (k.n * 400) || ' days')",
    }
    select_list = ", ".join(shifted.get(c, c) for c in columns)
    with db.atomic():
        db.execute_sql(
            f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {copies}) "
            f"INSERT INTO dossier ({', '.join(columns)}) SELECT {select_list} FROM dossier, k")
    db.execute_sql("ANALYZE")
    count = db.execute_sql("SELECT count(*) FROM dossier").fetchone()[0]

    list_times, filtered_times, raw_times = [], [], []
    for _ in range(args.list_runs):
        t0 = time.perf_counter()
        newest = dossiers.list_dossiers(ctx, limit=50)
        list_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dossiers.list_dossiers(ctx, status="received", limit=50)
        filtered_times.append(time.perf_counter() - t0)
    assert len(newest) == 50
    raw = sqlite3.connect(ctx.config.sqlite_path)
    for _ in range(args.list_runs):
        t0 = time.perf_counter()
        raw.execute("SELECT * FROM dossier ORDER BY received_at DESC, id DESC LIMIT 50").fetchall()
        raw_times.append(time.perf_counter() - t0)
    raw.close()
    print(f"listing over {count} dossiers:")
    print(describe("list_dossiers newest 50 (service)", list_times))
    print(describe("list_dossiers status=received newest 50", filtered_times))
    print(describe("baseline: bare SELECT ... LIMIT 50 (sqlite3)", raw_times))
    ctx.close()

    print()
    print(target("receive", receive_times, 5))
    print(target(f"newest 50 of {count}", list_times, 20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
