"""The queue report and the day's statistics in SQL (issue #16 item 4): on random tickets they
must say exactly what the old pass over every ticket as a model object says
(tests/support/queue_report_python.py, stats_row per weekday, group, counter and period), on
SQLite and PostgreSQL: today with now as the
horizon, never-called tickets on other days, transfers, no-shows, expiries, waits and
never-called issue times on the promise's edge to the microsecond, another office's tickets."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import both_databases
import pytest
from appfixtures import vn
from queue_report_python import python_queue_report, python_queue_stats

from sadec_desk.db.models import Office
from sadec_desk.db.queue_models import Counter, ServiceGroup, Ticket
from sadec_desk.domain.queue_policy import TicketStatus
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services.access import as_machine
from sadec_desk.services.admin import office
from sadec_desk.services.queue import tickets
from sadec_desk.services.queue.end_of_day import close_past_days
from sadec_desk.services.queue.stats import queue_stats
from sadec_desk.services.reports import build
from sadec_desk.services.reports.build import make_period
from sadec_desk.services.reports.queue import queue_report

any_ctx = both_databases.any_ctx  # the fixture: SQLite, then PostgreSQL

TODAY = date(2026, 11, 26)  # the clock fixture's day, a Thursday
FIRST = date(2026, 10, 20)


def _moment(rng: random.Random, base: datetime, spread_s: int) -> datetime:
    """``base`` plus up to ``spread_s`` seconds, with microseconds most of the time."""
    micro = rng.randint(0, 999_999) if rng.random() < 0.8 else 0
    return base + timedelta(seconds=rng.randint(0, spread_s), microseconds=micro)


def _ticket_rows(rng: random.Random, office_id: int, group_ids: list[int],
                 counter_ids: list[int], count: int, promise: timedelta, now: datetime
                 ) -> list[dict]:
    rows = []
    numbers: dict[tuple, int] = {}
    edge = timedelta(microseconds=1)
    for _i in range(count):
        day = FIRST + timedelta(days=rng.randint(0, (TODAY - FIRST).days))
        group = rng.choice(group_ids)
        opening = datetime.combine(day, time(7, 0), tzinfo=VN_TZ)
        day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=VN_TZ)
        horizon = min(day_end, now)
        latest = int((horizon - opening).total_seconds()) - 1
        if latest < 0:  # today before opening: nothing issued yet
            continue
        issued = _moment(rng, opening, latest)
        called = finished = None
        roll = rng.random()
        if roll < 0.1:  # never called, issued on the edge of the promise before the horizon
            issued = max(opening, horizon - promise + rng.choice([-edge, timedelta(0), edge]))
        if rng.random() < 0.7:  # called: sometimes exactly at, just before or after the promise
            wait = rng.choice([promise, promise - edge, promise + edge,
                               timedelta(seconds=rng.randint(0, 3600),
                                         microseconds=rng.randint(0, 999_999))])
            called = issued + wait
            if called >= horizon:
                called = None
        if called is None:
            status = rng.choice([TicketStatus.WAITING, TicketStatus.TRANSFERRED,
                                 TicketStatus.EXPIRED, TicketStatus.ON_HOLD,
                                 TicketStatus.NO_SHOW])
            if status == TicketStatus.NO_SHOW:
                finished = issued + timedelta(minutes=rng.randint(1, 60))
        else:
            status = rng.choice([TicketStatus.DONE] * 4 + [
                TicketStatus.NO_SHOW, TicketStatus.CALLED, TicketStatus.SERVING,
                TicketStatus.TRANSFERRED, TicketStatus.EXPIRED, TicketStatus.ON_HOLD])
            if status in (TicketStatus.DONE, TicketStatus.NO_SHOW) and rng.random() < 0.95:
                micro = rng.choice([0, rng.randint(1, 10**6 - 1)])
                finished = called + timedelta(seconds=rng.randint(0, 1800), microseconds=micro)
        number = numbers[(group, day)] = numbers.get((group, day), 0) + 1
        rows.append({
            "office": office_id, "day": day, "service_group": group, "number": number,
            "display": f"X{number:03d}", "status": status.value,
            "counter": rng.choice(counter_ids) if called or rng.random() < 0.1 else None,
            "issued_at": issued, "called_at": called, "last_called_at": called,
            "finished_at": finished, "updated_at": now})
    return rows


def _fill(ctx, rng: random.Random, count: int) -> None:
    office.init_office(ctx)  # groups A, B, C
    mine = ctx.office().id
    now = ctx.now()
    promise = timedelta(minutes=ctx.config["queue.wait_promise_minutes"])
    groups = [g.id for g in ServiceGroup.select().where(ServiceGroup.office == mine)]
    counters = [c.id for c in Counter.select().where(Counter.office == mine)]
    other = Office.create(agency_code="000.00.99.H20", name="Phường khác",
                          created_at=datetime(2026, 1, 1, tzinfo=UTC))
    other_group = ServiceGroup.create(office=other.id, prefix="Z", name="Nơi khác",
                                      updated_at=now)
    rows = (_ticket_rows(rng, mine, groups, counters, count, promise, now)
            + _ticket_rows(rng, other.id, [other_group.id], [None], count // 5, promise, now))
    with ctx.database.atomic():
        for start in range(0, len(rows), 200):
            Ticket.insert_many(rows[start:start + 200]).execute()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_queue_report_says_what_the_ticket_by_ticket_pass_says(any_ctx, clock, seed):
    rng = random.Random(seed)
    clock.moment = vn(2026, 11, 26, 10, 17, 3) + timedelta(microseconds=rng.randint(0, 10**6 - 1))
    _fill(any_ctx, rng, 600)
    any_ctx.config.values["queue.wait_promise_minutes"] = rng.choice([15, 20])
    checked = 0
    for first, last in ((FIRST, TODAY), (date(2026, 11, 1), date(2026, 11, 30)),
                        (date(2026, 11, 10), date(2026, 11, 10)), (TODAY, TODAY),
                        (date(2026, 11, 27), date(2026, 12, 31)),  # nothing issued yet
                        (date(2026, 10, 1), date(2026, 10, 31))):
        period = make_period(first, last)
        got, want = queue_report(any_ctx, period), python_queue_report(any_ctx, period)
        assert got == want, (first, last)
        checked += want.total.issued
    assert checked > 600  # the periods did hold tickets (the comparison is not of empties)
    # the day's statistics share the query: today (now the horizon) and past days
    for day in (TODAY, FIRST, date(2026, 11, 25), date(2026, 11, 1), date(2026, 11, 14)):
        assert queue_stats(any_ctx, day) == python_queue_stats(any_ctx, day), day


def test_a_ticket_on_the_edge_of_the_promise(any_ctx, clock):
    """Waits of the promise exactly (not over) and one microsecond more (over); a
    never-called ticket of a past day issued the promise before midnight exactly (not over)
    or a microsecond earlier (over); one of today the promise before now."""
    office.init_office(any_ctx)
    group = ServiceGroup.get(ServiceGroup.office == any_ctx.office().id, ServiceGroup.prefix == "A")
    promise = timedelta(minutes=any_ctx.config["queue.wait_promise_minutes"])
    now = any_ctx.now()
    us = timedelta(microseconds=1)
    yesterday_end = vn(2026, 11, 26, 0, 0)
    cases = [  # (day, issued, called)
        (date(2026, 11, 25), vn(2026, 11, 25, 8, 0, 0, 250_000),
         vn(2026, 11, 25, 8, 0, 0, 250_000) + promise),
        (date(2026, 11, 25), vn(2026, 11, 25, 8, 0, 0, 999_999),
         vn(2026, 11, 25, 8, 0, 0, 999_999) + promise + us),
        (date(2026, 11, 25), yesterday_end - promise, None),
        (date(2026, 11, 25), yesterday_end - promise - us, None),
        (TODAY, now - promise, None),
        (TODAY, now - promise - us, None),
        # fractions SQLite's julianday rounds up to the next second, or to no fraction
        (date(2026, 11, 25), vn(2026, 11, 25, 8, 30, 0, 999_500),
         vn(2026, 11, 25, 8, 30, 1, 500)),
        (date(2026, 11, 25), vn(2026, 11, 25, 8, 40, 59, 999_999),
         vn(2026, 11, 25, 8, 41, 0, 0)),
        (date(2026, 11, 25), vn(2026, 11, 25, 8, 50, 0, 0),
         vn(2026, 11, 25, 8, 50, 3, 999_999)),
    ]
    for number, (day, issued, called) in enumerate(cases, start=1):
        Ticket.create(office=any_ctx.office().id, day=day, service_group=group.id,
                      number=number, display=f"A{number:03d}",
                      status="called" if called else "waiting", issued_at=issued,
                      called_at=called, updated_at=now)
    report = build.queue_report(any_ctx, "2026-11-25", "2026-11-26")
    wed, thu = report.weekdays
    assert (wed.stats.over_promise, thu.stats.over_promise, report.total.over_promise) == (2, 1, 3)
    assert wed.stats.waiting.max_s == promise.total_seconds() + 1e-6
    assert (wed.stats.waiting.count, wed.stats.waiting.median_s) == (5, 3.999999)
    assert report == python_queue_report(any_ctx, make_period("2026-11-25", "2026-11-26"))
    for day in (date(2026, 11, 25), TODAY):
        assert queue_stats(any_ctx, day) == python_queue_stats(any_ctx, day)
    assert queue_stats(any_ctx, TODAY).total.over_promise == 1


def test_a_day_run_through_the_service_layer(any_ctx, clock):
    """Tickets taken, called, transferred, skipped (no-show) and served through the
    services, the day's leftovers expired by close_past_days: the two reports agree."""
    office.init_office(any_ctx)
    clock.moment = vn(2026, 11, 25, 7, 30)
    for i in range(9):
        tickets.take_ticket(any_ctx, "ABC"[i % 3], priority=i == 4)
        clock.moment += timedelta(minutes=3, microseconds=12_345)
    tickets.call_next(any_ctx, "1")
    clock.moment += timedelta(minutes=20)
    tickets.finish(any_ctx, counter="1")
    tickets.call_next(any_ctx, "2")
    clock.moment += timedelta(minutes=2)
    tickets.skip(any_ctx, counter="2")
    tickets.call_next(any_ctx, "1")
    clock.moment += timedelta(minutes=1)
    tickets.transfer(any_ctx, counter="1", to_counter="2")
    clock.moment = vn(2026, 11, 26, 8, 0)  # the next morning closes the 25th's leftovers
    assert close_past_days(as_machine(any_ctx)) > 0
    tickets.take_ticket(any_ctx, "A")
    clock.moment = vn(2026, 11, 26, 8, 40)
    period = make_period("2026-11-25", "2026-11-26")
    got = queue_report(any_ctx, period)
    assert got == python_queue_report(any_ctx, period)
    for day in (date(2026, 11, 25), TODAY):
        assert queue_stats(any_ctx, day) == python_queue_stats(any_ctx, day)
    assert [c.key for c in queue_stats(any_ctx, date(2026, 11, 25)).counters] == ["1", "2"]
    assert (got.total.issued, got.total.called, got.total.served, got.total.no_shows,
            got.total.still_waiting) == (10, 3, 1, 1, 1)
    assert got.total.expired == 7 and got.total.over_promise >= 7
