"""The queue report (Reports screen, "Hàng chờ") over a month and a year of tickets (SQLite).

    nice .venv/bin/python bench/queue_report.py [--per-day 2000] [--runs 5]
                                                [--backend sqlite|postgres|both]

1. Creates a fresh office database (`sadec-desk init` defaults: groups A/B/C, two
   counters) and fills 2026 with --per-day tickets a working day (Monday to Friday: about
   44,000 a month and 520,000 a year at 2,000 a day): SQLite by bench/ticket_queue.py's
   bulk SQL (with the events), PostgreSQL (a throwaway server, tests/support/pgserver.py)
   by the same rows from generate_series (no events; the report does not read them). One
   ticket in 37 is never called and expired, so the over-the-promise check of never-called
   tickets runs too. "Now" is 31/12/2026 16:00, the year's last afternoon.
2. Times, same run, medians of --runs:
   - the report as built now (services/reports/queue.py: a grouped count by day and service
     group, and the called tickets' waiting and service times as plain floats);
   - the old report (tests/support/queue_report_python.py: every ticket of the period as a
     peewee model object, counted by stats_row in Python), for the month and the year;
   - the floor: a bare `SELECT day, service_group_id, COUNT(*) ... GROUP BY day,
     service_group_id` of the same period, on the same connection.
   Prints new / floor and old / new for each period.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "support")]

from benchutil import describe, machine  # noqa: E402
from ticket_queue import fill_history, open_office  # noqa: E402


def timed(fn, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def keep_working_days(ctx) -> None:
    """Drop the Saturday and Sunday tickets (and their events) of the bulk fill; expire one
    ticket in 37 uncalled."""
    db = ctx.database
    with db.atomic():
        db.execute_sql("DELETE FROM ticket_event WHERE ticket_id IN (SELECT id FROM ticket "
                       "WHERE strftime('%w', day) IN ('0', '6'))")
        db.execute_sql("DELETE FROM ticket WHERE strftime('%w', day) IN ('0', '6')")
        db.execute_sql("DELETE FROM ticket_sequence WHERE strftime('%w', day) IN ('0', '6')")
        db.execute_sql("UPDATE ticket SET called_at = NULL, last_called_at = NULL, "
                       "status = 'expired', finished_at = datetime(day, '+24 hours') "
                       "WHERE number % 37 = 0")
    db.execute_sql("ANALYZE")


def fill_postgres(ctx, per_day: int) -> float:
    """The rows of ticket_queue.fill_history + keep_working_days, in PostgreSQL's SQL."""
    from sadec_desk.db.queue_models import Counter, ServiceGroup

    office_id = ctx.office().id
    g = [x.id for x in ServiceGroup.select().where(ServiceGroup.office == office_id)
         .order_by(ServiceGroup.position)]
    c = [x.id for x in Counter.select().where(Counter.office == office_id)
         .order_by(Counter.number)]
    started = time.perf_counter()
    with ctx.database.atomic():
        ctx.database.execute_sql(f"""
            INSERT INTO ticket (office_id, day, service_group_id, issued_group_id, number,
                                display, priority,
                                status, counter_id, issued_at, called_at, last_called_at,
                                call_count, finished_at, updated_at)
            SELECT {office_id}, x.day, (ARRAY[{g[0]}, {g[1]}, {g[2]}])[mod(n, 3) + 1],
                   (ARRAY[{g[0]}, {g[1]}, {g[2]}])[mod(n, 3) + 1], n,
                   (ARRAY['A', 'B', 'C'])[mod(n, 3) + 1] || lpad(n::text, 3, '0'), mod(n, 10) = 0,
                   CASE WHEN mod(n, 37) = 0 THEN 'expired' WHEN mod(n, 25) = 0 THEN 'no_show'
                        ELSE 'done' END,
                   (ARRAY[{c[0]}, {c[1]}])[mod(n, 2) + 1], x.issued,
                   CASE WHEN mod(n, 37) <> 0
                        THEN x.issued + (240 + mod(n, 540)) * INTERVAL '1 s' END,
                   CASE WHEN mod(n, 37) <> 0
                        THEN x.issued + (240 + mod(n, 540)) * INTERVAL '1 s' END,
                   1,
                   CASE WHEN mod(n, 37) <> 0 THEN x.issued + (420 + mod(n, 840)) * INTERVAL '1 s'
                        ELSE x.day + INTERVAL '24 hours' END,
                   x.issued
            FROM generate_series(1, {per_day}) n,
                 LATERAL (SELECT d::date AS day,
                                 d + INTERVAL '30 minutes' + n * INTERVAL '13 s' AS issued
                          FROM generate_series(TIMESTAMP '2026-01-01', TIMESTAMP '2026-12-31',
                                               INTERVAL '1 day') d
                          WHERE EXTRACT(ISODOW FROM d) < 6) x""")
    ctx.database.execute_sql("ANALYZE ticket")
    return time.perf_counter() - started


def measure(backend: str, args) -> None:
    from queue_report_python import python_queue_report

    from sadec_desk.domain.timezone import VN_TZ
    from sadec_desk.services.reports.build import make_period
    from sadec_desk.services.reports.queue import queue_report

    root = Path(tempfile.mkdtemp(prefix=f"sadec-bench-queue-report-{backend}-"))
    clock_box = {"now": datetime(2026, 12, 31, 16, 0, tzinfo=VN_TZ)}
    server = None
    if backend == "postgres":
        from pgserver import PostgresServer

        from sadec_desk.config import save_setting

        os.environ["SADEC_DESK_CONFIG"] = str(root / "office" / "config.toml")
        server = PostgresServer().start()
        save_setting("database.url", server.create_database("bench"))
    try:
        ctx = open_office(root / "office", clock_box)
        if backend == "postgres":
            fill_s = fill_postgres(ctx, args.per_day)
            version = ctx.database.execute_sql("SHOW server_version").fetchone()[0]
        else:
            fill_s = fill_history(ctx, date(2026, 1, 1), 365, args.per_day)
            keep_working_days(ctx)
            version = ctx.database.execute_sql("SELECT sqlite_version()").fetchone()[0]
        count = ctx.database.execute_sql("SELECT count(*) FROM ticket").fetchone()[0]
        print(f"== {backend} {version}: {count} tickets of 2026's working days, "
              f"filled in {fill_s:.1f} s ==")
        run_periods(ctx, args, queue_report, python_queue_report, make_period)
        ctx.close()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def run_periods(ctx, args, queue_report, python_queue_report, make_period) -> None:
    db = ctx.database
    office_id = ctx.office().id

    def floor(period):
        return db.execute_sql(
            f"SELECT day, service_group_id, COUNT(*) FROM ticket WHERE office_id = {db.param} "
            f"AND day >= {db.param} AND day <= {db.param} GROUP BY day, service_group_id",
            (office_id, period.date_from, period.date_to)).fetchall()

    lines, verdicts = [], []
    for name, period, old_runs in (
            ("month 12/2026", make_period("2026-12-01", "2026-12-31"), args.runs),
            ("year 2026", make_period("2026-01-01", "2026-12-31"), args.old_year_runs)):
        floor_t, groups = timed(lambda p=period: floor(p), args.runs)
        new_t, new = timed(lambda p=period: queue_report(ctx, p), args.runs)
        old_t, old = timed(lambda p=period: python_queue_report(ctx, p), old_runs)
        same = "same figures" if new == old else "FIGURES DIFFER"
        tickets = new.total.issued
        lines += [describe(f"{name}: queue report, SQL ({tickets} tickets)", new_t, width=60),
                  describe(f"{name}: old report, model objects", old_t, width=60),
                  describe(f"{name}: floor, bare GROUP BY ({len(groups)} rows)", floor_t,
                           width=60)]
        new_m, old_m, floor_m = (statistics.median(t) for t in (new_t, old_t, floor_t))
        verdicts.append(f"{name}: new / bare GROUP BY {new_m / floor_m:.1f}x, "
                        f"old / new {old_m / new_m:.1f}x ({same})")
    print("\n".join(lines))
    print("\n".join(verdicts))
    print("load average now:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--old-year-runs", type=int, default=1,
                        help="runs of the old report over the year (each takes many seconds)")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    args = parser.parse_args()
    print("machine:", machine("peewee", "psycopg2-binary"))
    print("load average at start:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for backend in (("sqlite", "postgres") if args.backend == "both" else (args.backend,)):
        measure(backend, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
