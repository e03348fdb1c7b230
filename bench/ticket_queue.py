"""Taking a ticket and calling the next one, on a year of queue history (SQLite).

    .venv/bin/python bench/ticket_queue.py [--days 365] [--per-day 2000] [--ops 2000]

1. Creates a fresh office database (`sadec-desk init` defaults: groups A/B/C, two
   counters) and fills it, with bulk SQL, with --days x --per-day finished tickets
   (730,000 by default) and their issued/called/done events (3 per ticket).
2. On "today" (the day after that history) runs a working day through the service
   layer: --ops tickets taken (take_ticket: number, ticket row, event, print job when
   printing is installed, durable commit) interleaved with call_next + done at the two
   counters; times every take_ticket and every call_next (median, p99).
3. Runs the same day on an empty database: the figures must not depend on history.
4. Baseline in the same run: a bare one-row INSERT + COMMIT with the same pragmas
   (WAL, synchronous=FULL): the cost of the durable commit alone.

Target (issue #4): p99 <= 10 ms for take and for call-next, durable commit included.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchutil import bench_baseline_commit, describe, machine, target


def fill_history(ctx, first_day, days: int, per_day: int) -> float:
    """Bulk-insert finished tickets and their events, in SQL (not through the service)."""
    from sadec_desk.db.queue_models import Counter, ServiceGroup

    db = ctx.database
    office_id = ctx.office().id
    groups = list(ServiceGroup.select().where(ServiceGroup.office == office_id)
                  .order_by(ServiceGroup.position))
    counters = [c.id for c in Counter.select().where(Counter.office == office_id)
                .order_by(Counter.number)]
    g_ids = [g.id for g in groups]
    g_prefix = [g.prefix for g in groups]
    started = time.perf_counter()
    # day d, ticket n of the day: group n % 3, number n (unique per group and day), issued
    # from 07:30 local (00:30 UTC) every 13 s, called 4-13 min later, done 3-8 min after.
    case_group = f"CASE n % 3 WHEN 0 THEN {g_ids[0]} WHEN 1 THEN {g_ids[1]} ELSE {g_ids[2]} END"
    case_prefix = (f"CASE n % 3 WHEN 0 THEN '{g_prefix[0]}' WHEN 1 THEN '{g_prefix[1]}' "
                   f"ELSE '{g_prefix[2]}' END")
    with db.atomic():
        db.execute_sql(f"""
            WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < {days - 1}),
                 t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < {per_day}),
                 x AS (SELECT k, n, date('{first_day.isoformat()}', '+' || k || ' days') AS day,
                              datetime('{first_day.isoformat()} 00:30:00', '+' || k || ' days',
                                       '+' || (n * 13) || ' seconds') AS issued
                       FROM d, t)
            INSERT INTO ticket (office_id, day, service_group_id, issued_group_id, number,
                                display, priority,
                                status, counter_id, target_counter_id, issued_at, called_at,
                                last_called_at, call_count, serving_at, held_at,
                                transferred_at, finished_at, updated_at)
            SELECT {office_id}, day, {case_group}, {case_group}, n,
                   {case_prefix} || printf('%03d', n),
                   n % 10 = 0, CASE WHEN n % 25 = 0 THEN 'no_show' ELSE 'done' END,
                   CASE n % 2 WHEN 0 THEN {counters[0]} ELSE {counters[1]} END, NULL, issued,
                   datetime(issued, '+' || (240 + n % 540) || ' seconds'),
                   datetime(issued, '+' || (240 + n % 540) || ' seconds'), 1, NULL, NULL, NULL,
                   datetime(issued, '+' || (420 + n % 840) || ' seconds'),
                   datetime(issued, '+' || (420 + n % 840) || ' seconds')
            FROM x ORDER BY k, n""")
        for kind, column in (("issued", "issued_at"), ("called", "called_at"),
                             ("done", "finished_at")):
            db.execute_sql(f"""
                INSERT INTO ticket_event (ticket_id, at, kind, counter_id, actor, note)
                SELECT id, {column}, '{kind}', counter_id, '', '' FROM ticket ORDER BY id""")
        db.execute_sql("""
            INSERT INTO ticket_sequence (service_group_id, day, last)
            SELECT service_group_id, day, MAX(number) FROM ticket
            GROUP BY service_group_id, day""")
    db.execute_sql("ANALYZE")
    return time.perf_counter() - started


def run_day(ctx, clock_box: dict, day_start: datetime, ops: int) -> tuple[list, list]:
    """A working day: ``ops`` tickets taken, each followed by call_next + done at a counter."""
    from sadec_desk.services.queue import tickets

    groups = ["A", "B", "C"]
    take_times, call_times = [], []
    # a morning rush: the first 20 tickets come before anyone is called
    pending = 0
    for i in range(ops):
        clock_box["now"] = day_start + timedelta(seconds=13 * i)
        t0 = time.perf_counter()
        tickets.take_ticket(ctx, groups[i % 3], priority=i % 10 == 0)
        take_times.append(time.perf_counter() - t0)
        pending += 1
        if i < 20:
            continue
        counter = "1" if i % 2 == 0 else "2"
        t0 = time.perf_counter()
        try:
            tickets.call_next(ctx, counter)
        except tickets.QueueEmpty:
            continue
        call_times.append(time.perf_counter() - t0)
        tickets.finish(ctx, counter=counter)
    return take_times, call_times


def time_board(ctx, runs: int = 50) -> tuple[list, list]:
    """The display board's refresh (queue_status) and the day's statistics."""
    from sadec_desk.services.queue import board as queue_board
    from sadec_desk.services.queue.stats import queue_stats

    status_times, stats_times = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        queue_board.queue_status(ctx)
        status_times.append(time.perf_counter() - t0)
    for _ in range(max(1, runs // 10)):
        t0 = time.perf_counter()
        queue_stats(ctx)
        stats_times.append(time.perf_counter() - t0)
    return status_times, stats_times


def open_office(workdir: Path, clock_box: dict):
    os.environ["SADEC_DESK_CONFIG"] = str(workdir / "config.toml")
    os.environ["SADEC_DESK_DATA_DIR"] = str(workdir / "data")
    from sadec_desk.bootstrap import open_context
    from sadec_desk.config import load_config, save_setting
    from sadec_desk.services.admin import office

    save_setting("office.agency_code", "000.00.14.H20")
    ctx = open_context(load_config(), clock=lambda: clock_box["now"])
    office.init_office(ctx)
    return ctx


def query_plan(ctx) -> list[str]:
    """How SQLite finds a group's next ticket (must be an index search, not a scan)."""
    rows = ctx.database.execute_sql(
        "EXPLAIN QUERY PLAN SELECT id FROM ticket WHERE service_group_id = 1 "
        "AND day = '2027-01-05' AND status IN ('waiting', 'transferred') "
        "AND target_counter_id IS NULL AND priority = 0 ORDER BY issued_at, id LIMIT 1"
    ).fetchall()
    return [row[-1] for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--ops", type=int, default=2000)
    args = parser.parse_args()


    from sadec_desk.domain.timezone import VN_TZ

    root = Path(tempfile.mkdtemp(prefix="sadec-bench-queue-"))
    print("machine:", machine("peewee"))
    print("data dir:", root)
    print("each ticket also queues its print job in the same transaction")
    print()

    today = datetime(2027, 1, 5, 7, 30, tzinfo=VN_TZ)
    first_day = (today - timedelta(days=args.days)).date()
    clock_box = {"now": today}

    ctx = open_office(root / "history", clock_box)
    fill_seconds = fill_history(ctx, first_day, args.days, args.per_day)
    count = ctx.database.execute_sql("SELECT count(*) FROM ticket").fetchone()[0]
    events = ctx.database.execute_sql("SELECT count(*) FROM ticket_event").fetchone()[0]
    size_mb = ctx.config.sqlite_path.stat().st_size / 1e6
    print(f"history: {count} tickets, {events} events over {args.days} days, "
          f"filled in {fill_seconds:.1f} s (bulk SQL); database {size_mb:.0f} MB")
    print("next-ticket query plan:", " | ".join(query_plan(ctx)))
    take_h, call_h = run_day(ctx, clock_box, today, args.ops)
    status_h, stats_h = time_board(ctx)
    ctx.close()

    clock_box["now"] = today
    ctx = open_office(root / "empty", clock_box)
    take_e, call_e = run_day(ctx, clock_box, today, args.ops)
    ctx.close()

    baseline = bench_baseline_commit(root / "baseline.sqlite3", args.ops)
    print()
    print(describe(f"take_ticket, {count} tickets of history", take_h, with_max=True))
    print(describe(f"call_next, {count} tickets of history", call_h, with_max=True))
    print(describe("take_ticket, empty history", take_e, with_max=True))
    print(describe("call_next, empty history", call_e, with_max=True))
    print(describe("baseline: bare INSERT + COMMIT (same pragmas)", baseline, with_max=True))
    print(describe("queue_status (board refresh), with history", status_h, with_max=True))
    print(describe(f"queue_stats of the day ({args.ops} tickets), with history", stats_h,
                   with_max=True))

    print()
    print(target("take", take_h, 10))
    print(target("call-next", call_h, 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
