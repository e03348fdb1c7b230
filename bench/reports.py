"""Leader's reports over a year of a large ward, and backups of a 1 GB database.

    .venv/bin/python bench/reports.py [--per-month 8400] [--backup-mb 1024]

0. (after 1) Receives --receipts more dossiers and times the part of each receipt spent
   in the audit hash chain (append_event: chain head lookup, SHA-256, insert).
1. Builds one year of dossiers (12 × --per-month ≈ 100,000): the first month through
   the service layer (receive, ~80 % resolved early/on time/late, ~5 % rescheduled with
   an apology slip), the other eleven copied from it in SQL with shifted dates.
2. Times the monthly summary (``report summary`` for one month) — target <= 1 s — and,
   as baseline in the same run, the bare SQL that counts a month's dossiers by procedure
   and channel (sqlite3); prints the ratio of their medians (target <= 5x, issue #16).
3. Times the Mẫu 06 tracking book PDF of one month — target <= 10 s — and the report PDF
   with its charts.
4. Pads the database to --backup-mb with a filler table, then times ``backup create``
   (online backup API + verification) while another process keeps receiving dossiers;
   prints how many it received during the backup and their worst latency. Baseline: a
   plain file copy of the same size (what the backup must not be, but the floor of I/O).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchutil import describe, machine, percentile

QR = ("087{:09d}||Nguyễn Thị Hoa|21032003|Nữ|Ấp {}, xã Tân Khánh Đông, thành phố Sa Đéc, "
      "Đồng Tháp|14082021")

RECEIVER = """
import json, sys, time
from sadec_desk.config import load_config
from sadec_desk.services.reception import dossiers
from sadec_desk.bootstrap import open_context
ctx = open_context(load_config())
print("READY", flush=True)
i = 0
while True:
    t0 = time.perf_counter()
    dossiers.receive_dossier(ctx, procedure_code="2.000815",
                             qr_text="079{:09d}||Trần Văn Đức|05061999|Nam|Sa Đéc|01022022"
                             .format(i), pages=1)
    print(json.dumps([time.time(), time.perf_counter() - t0]), flush=True)
    i += 1
"""


def build_year(ctx, per_month: int) -> None:
    from sadec_desk.domain.timezone import VN_TZ
    from sadec_desk.services.reception import dossiers

    procedures = ["1.001193", "2.000815", "1.004873", "2.000884", "1.000656", "1.004859"]
    base = datetime(2026, 1, 5, 7, 30, tzinfo=VN_TZ)
    clock = {"now": base}
    ctx.clock = lambda: clock["now"]
    minutes_per = (21 * 8 * 60) / per_month  # spread over the working hours of a month
    t0 = time.perf_counter()
    for i in range(per_month):
        day, rest = divmod(i * minutes_per, 8 * 60)
        clock["now"] = base + timedelta(days=int(day) * 7 // 5, minutes=rest)
        info = dossiers.receive_dossier(ctx, procedure_code=procedures[i % len(procedures)],
                                        qr_text=QR.format(i % 40_000, i % 30), pages=1)
        kind = i % 20
        if kind == 0:  # apology slip, then done after the original date
            clock["now"] = info.due_at - timedelta(hours=1)
            dossiers.reschedule_dossier(ctx, info.code, info.due_at + timedelta(days=3),
                                        "Chờ xác minh")
            clock["now"] = info.due_at + timedelta(days=2)
            dossiers.advance_dossier(ctx, info.code, "done")
        elif kind < 16:
            offset = {0: -timedelta(days=1), 1: -timedelta(hours=1)}.get(kind % 3,
                                                                          timedelta(hours=5))
            clock["now"] = max(info.received_at, info.due_at + offset)
            dossiers.advance_dossier(ctx, info.code, "done")
    print(f"first month through the services: {per_month} dossiers in "
          f"{time.perf_counter() - t0:.1f} s")
    # eleven more months, copied in SQL with dates shifted by whole weeks
    db = ctx.database
    columns = [c.name for c in db.get_columns("dossier") if c.name != "id"]
    shifted = {"uuid": "uuid || '-' || k.n", "code": "code || '-' || k.n"}
    for col in ("received_at", "due_at", "finished_at", "updated_at"):
        shifted[col] = f"datetime({col}, '+' || (k.n * 28 + (k.n / 2) * 7) || ' days')"
    select = ", ".join(shifted.get(c, c) for c in columns)
    ev_cols = [c.name for c in db.get_columns("dossier_event") if c.name not in ("id",)]
    max_seq = db.execute_sql("SELECT MAX(seq) FROM dossier_event").fetchone()[0]
    ev_shift = {"seq": f"seq + k.n * {max_seq}",
                "dossier_id": "(SELECT d2.id FROM dossier d2 WHERE d2.code = "
                              "(SELECT code FROM dossier d1 WHERE d1.id = dossier_id) "
                              "|| '-' || k.n)",
                "at": "datetime(at, '+' || (k.n * 28 + (k.n / 2) * 7) || ' days')"}
    ev_select = ", ".join(ev_shift.get(c, c) for c in ev_cols)
    with db.atomic():
        db.execute_sql(
            "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 11) "
            f"INSERT INTO dossier ({', '.join(columns)}) SELECT {select} FROM dossier, k")
        # the reschedule events: the summary reads the original due date from them
        db.execute_sql(
            "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 11) "
            f"INSERT INTO dossier_event ({', '.join(ev_cols)}) SELECT {ev_select} "
            "FROM dossier_event, k WHERE kind = 'rescheduled'")
    db.execute_sql("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-month", type=int, default=8_400)
    parser.add_argument("--backup-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument("--summary-only", action="store_true",
                        help="stop after the summary and overdue reports (no PDFs, no backup)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sadec-bench-reports-"))
    os.environ["SADEC_DESK_CONFIG"] = str(workdir / "config.toml")
    os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / "data")
    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config, save_setting
    from sadec_desk.services.admin import backup
    from sadec_desk.services.reports import build

    print("machine:", machine("peewee", "reportlab", "matplotlib", "openpyxl"))
    print("data dir:", workdir)
    save_setting("office.agency_code", "000.00.14.H20")
    save_setting("office.name", "UBND phường An Hòa")
    ctx = open_context(load_config())
    try:
        build_year(ctx, args.per_month)
        total = ctx.database.execute_sql("SELECT count(*) FROM dossier").fetchone()[0]
        print(f"dossiers in the database: {total}")
        print()

        # --- what the hash chain adds to receiving a dossier (bench/receive.py: p99 <= 5 ms)
        from sadec_desk.services.reception import dossiers as dossier_service

        chained = dossier_service.append_event
        chain_times, receive_times = [], []

        def timed_append(*a, **kw):
            t = time.perf_counter()
            try:
                return chained(*a, **kw)
            finally:
                chain_times.append(time.perf_counter() - t)

        dossier_service.append_event = timed_append
        base = datetime.fromisoformat("2027-01-04T08:00:00+07:00")
        for i in range(args.receipts):
            ctx.clock = lambda i=i: base + timedelta(seconds=20 * i)
            t0 = time.perf_counter()
            dossier_service.receive_dossier(ctx, procedure_code="2.000815",
                                            qr_text=QR.format(50_000 + i, 1), pages=1)
            receive_times.append(time.perf_counter() - t0)
        dossier_service.append_event = chained
        print(describe("receive_dossier on the year's database", receive_times))
        print(describe("  of which append_event (chain head + SHA-256 + insert)",
                       chain_times))
        print()

        # --- monthly summary
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            summary = build.summary_report(ctx, "2026-06-01", "2026-06-30")
            times.append(time.perf_counter() - t0)
        raw = sqlite3.connect(ctx.config.sqlite_path)
        raw_times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            raw.execute("SELECT procedure_id, channel, count(*) FROM dossier WHERE received_at "
                        ">= '2026-05-31 17:00:00' AND received_at < '2026-06-30 17:00:00' "
                        "GROUP BY procedure_id, channel").fetchall()
            raw_times.append(time.perf_counter() - t0)
        raw.close()
        d = summary.deadline
        print(f"June: received {summary.received}, resolved {d.resolved} (early {d.early}, "
              f"on time {d.on_time}, late {d.late}, rescheduled {d.rescheduled})")
        print(describe("summary_report, one month (service)", times))
        print(describe("baseline: bare GROUP BY of the month (sqlite3)", raw_times))
        p99_summary = percentile(times, 0.99)
        ratio = statistics.median(times) / statistics.median(raw_times)
        print(f"monthly summary / bare GROUP BY of the same month (medians): {ratio:.1f}x "
              f"(target <= 5x: {'met' if ratio <= 5 else 'NOT met'})")

        t0 = time.perf_counter()
        late = build.overdue_report(ctx)
        print(f"overdue_report over the year: {time.perf_counter() - t0:.3f} s "
              f"({len(late.overdue)} overdue, {len(late.due_soon)} due soon)")
        if args.summary_only:
            return 0

        # --- PDFs
        t0 = time.perf_counter()
        book = build.export_book(ctx, "2026-06-01", "2026-06-30", out=workdir / "so.pdf")
        book_s = time.perf_counter() - t0
        print(f"Mẫu 06 book PDF, June: {book_s:.2f} s, {book.pages} pages, "
              f"{Path(book.path).stat().st_size / 1e6:.1f} MB")
        t0 = time.perf_counter()
        build.export_report(ctx, "2026-06-01", "2026-06-30", fmt="pdf",
                              out=workdir / "bao-cao.pdf")
        print(f"report PDF with charts, June: {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        build.export_report(ctx, "2026-06-01", "2026-06-30", fmt="xlsx",
                              out=workdir / "bao-cao.xlsx", book=True)
        print(f"report XLSX with the book sheet, June: {time.perf_counter() - t0:.2f} s")
        print()

        # --- 1 GB backup while a counter receives
        target = args.backup_mb * 1024 * 1024
        size = ctx.config.sqlite_path.stat().st_size
        rows = max(0, (target - size) // 4096)
        db = ctx.database
        db.execute_sql("CREATE TABLE IF NOT EXISTS bench_filler (id INTEGER PRIMARY KEY, "
                       "data BLOB)")
        with db.atomic():
            db.execute_sql(f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k "
                           f"WHERE n < {rows}) INSERT INTO bench_filler (data) "
                           "SELECT randomblob(3900) FROM k")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size = ctx.config.sqlite_path.stat().st_size
        print(f"database padded to {size / 2**20:.0f} MB")
        t0 = time.perf_counter()
        shutil.copyfile(ctx.config.sqlite_path, workdir / "plain-copy.sqlite3")
        with open(workdir / "plain-copy.sqlite3", "rb+") as f:
            os.fsync(f.fileno())
        copy_s = time.perf_counter() - t0
        (workdir / "plain-copy.sqlite3").unlink()

        receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE,
                                    text=True, env=dict(os.environ))
        assert receiver.stdout.readline().strip() == "READY"
        receiver.stdout.readline()  # one receipt before the backup starts
        start = time.time()
        t0 = time.perf_counter()
        info = backup.create_backup(ctx)
        backup_s = time.perf_counter() - t0
        end = time.time()
        time.sleep(0.5)  # let the receiver report what it did during the backup
        receiver.kill()
        receiver.wait(timeout=30)
        during = []
        for line in receiver.stdout.read().splitlines():
            at, seconds = json.loads(line)
            if start <= at <= end:
                during.append(seconds)
        receiver.stdout.close()
        print(f"backup create (online backup + integrity check + counts + SHA-256), "
              f"{info.size_bytes / 2**20:.0f} MB: {backup_s:.1f} s")
        print(f"baseline: plain file copy + fsync of the same file: {copy_s:.1f} s")
        if during:
            print(f"a counter received {len(during)} dossiers during the backup; "
                  + describe("their latency", during, with_max=True).strip())
        else:
            print("a counter received NO dossier during the backup")
        print()
        print(f"target monthly summary <= 1 s: {'met' if p99_summary <= 1 else 'NOT met'} "
              f"({p99_summary:.3f} s p99)")
        print(f"target 1-month book PDF <= 10 s: {'met' if book_s <= 10 else 'NOT met'} "
              f"({book_s:.2f} s)")
    finally:
        ctx.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
