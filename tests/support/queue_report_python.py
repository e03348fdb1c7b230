"""The queue report as it was before issue #16 item 4: every ticket of the period loaded as
a peewee model object and counted in Python (stats_row below, from services/queue/stats.py). Kept as
the brute-force truth of tests/services/reports/test_queue_sql.py and the baseline of
bench/queue_report.py; not used by the application. python_queue_stats: the same for the
daily statistics (services/queue/stats.py::queue_stats)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.queue_models import ServiceGroup, Ticket
from sadec_desk.domain.queue_policy import TicketStatus, summarise
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.i18n import _
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.display import weekday_vi
from sadec_desk.services.queue.records import StatsRow
from sadec_desk.services.reports.figures import Period, QueueReport, WeekdayLine

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def stats_row(key: str, label: str, tickets: list, promise_s: float, horizon: datetime
              ) -> StatsRow:
    """The figures of ``tickets``; ``horizon`` is when the never-called ones stopped waiting
    (the end of their day, or now)."""
    waits, services = [], []
    over = called = served = no_shows = waiting = expired = 0
    for t in tickets:
        if t.called_at is not None:
            called += 1
            wait = (t.called_at - t.issued_at).total_seconds()
            waits.append(wait)
            over += wait > promise_s
        else:
            if t.status in (TicketStatus.WAITING.value, TicketStatus.TRANSFERRED.value):
                waiting += 1
            over += (horizon - t.issued_at).total_seconds() > promise_s
        if t.status == TicketStatus.DONE.value:
            served += 1
            if t.called_at is not None and t.finished_at is not None:
                services.append((t.finished_at - t.called_at).total_seconds())
        elif t.status == TicketStatus.NO_SHOW.value:
            no_shows += 1
        elif t.status == TicketStatus.EXPIRED.value:
            expired += 1
    return StatsRow(key=key, label=label, issued=len(tickets), called=called, served=served,
                    no_shows=no_shows, still_waiting=waiting, waiting=summarise(waits),
                    service=summarise(services), over_promise=over,
                    over_promise_share=(over / len(tickets)) if tickets else None,
                    expired=expired)


def _stats(key, label, tickets, promise_s, now):
    """queue.stats.stats_row with each ticket's own day end as the horizon of never-called ones."""
    by_horizon = defaultdict(list)
    for t in tickets:
        end = datetime.combine(t.day + timedelta(days=1), time(), tzinfo=VN_TZ)
        by_horizon[min(end, now)].append(t)
    if len(by_horizon) <= 1:
        horizon = next(iter(by_horizon), now)
        return stats_row(key, label, tickets, promise_s, horizon)
    # waits and service times do not depend on the horizon; only the never-called count
    row = stats_row(key, label, tickets, promise_s, now)
    over = sum(stats_row(key, label, group, promise_s, horizon).over_promise
               for horizon, group in by_horizon.items())
    return dataclasses.replace(row, over_promise=over,
                               over_promise_share=(over / len(tickets)) if tickets else None)


def python_queue_report(ctx: AppContext, period: Period) -> QueueReport:
    require_role(ctx, *REPORT_ROLES)
    now = ctx.now()
    promise_min = ctx.config["queue.wait_promise_minutes"]
    promise_s = promise_min * 60.0
    no_wait = set(ctx.config["queue.no_wait_weekdays"])
    office = ctx.office()
    groups = list(ServiceGroup.select().where(ServiceGroup.office == office.id)
                  .order_by(ServiceGroup.position, ServiceGroup.prefix))
    tickets = list(Ticket.select(Ticket.day, Ticket.service_group, Ticket.status,
                                 Ticket.issued_at, Ticket.called_at, Ticket.finished_at)
                   .where(Ticket.office == office.id, Ticket.day >= period.date_from,
                          Ticket.day <= period.date_to))
    weekdays = []
    for weekday in range(7):
        mine = [t for t in tickets if t.day.weekday() == weekday]
        if not mine:
            continue
        label = weekday_vi(mine[0].day)
        weekdays.append(WeekdayLine(
            weekday=weekday, label=label, days=len({t.day for t in mine}),
            no_wait_day=weekday in no_wait,
            stats=_stats(str(weekday), label, mine, promise_s, now)))
    group_rows = tuple(
        _stats(g.prefix, g.name, [t for t in tickets if t.service_group_id == g.id],
               promise_s, now)
        for g in groups if any(t.service_group_id == g.id for t in tickets))
    return QueueReport(period=period, promise_minutes=promise_min,
                       total=_stats("all", _("Cả kỳ"), tickets, promise_s, now),
                       weekdays=tuple(weekdays), groups=group_rows)


def python_queue_stats(ctx: AppContext, day):
    """services.queue.stats.queue_stats as it was: the day's tickets as model objects, each
    figure by stats_row (the horizon: now today, else the day's end)."""
    from sadec_desk.db.queue_models import Counter
    from sadec_desk.services.queue.records import QueueStats

    today = ctx.now().astimezone(VN_TZ).date()
    horizon = (ctx.now() if day == today
               else datetime.combine(day + timedelta(days=1), time(), tzinfo=VN_TZ))
    office = ctx.office()
    groups = list(ServiceGroup.select().where(ServiceGroup.office == office.id)
                  .order_by(ServiceGroup.position, ServiceGroup.prefix))
    tickets = list(Ticket.select(Ticket.service_group, Ticket.counter, Ticket.status,
                                 Ticket.issued_at, Ticket.called_at, Ticket.finished_at)
                   .where(Ticket.service_group.in_([g.id for g in groups]), Ticket.day == day))
    counters = list(Counter.select().where(Counter.office == office.id).order_by(Counter.number))
    promise_min = ctx.config["queue.wait_promise_minutes"]
    promise_s = promise_min * 60.0
    total = stats_row("all", _("Cả ngày"), tickets, promise_s, horizon)
    group_rows = tuple(
        stats_row(g.prefix, g.name, [t for t in tickets if t.service_group_id == g.id],
                  promise_s, horizon)
        for g in groups if any(t.service_group_id == g.id for t in tickets))
    counter_rows = tuple(
        stats_row(str(c.number), c.name, [t for t in tickets if t.counter_id == c.id],
                  promise_s, horizon)
        for c in counters if any(t.counter_id == c.id for t in tickets))
    return QueueStats(day=day, promise_minutes=promise_min,
                      no_wait_day=day.weekday() in ctx.config["queue.no_wait_weekdays"],
                      total=total, groups=group_rows, counters=counter_rows)
