"""Queue figures over a period, by weekday: checks "Ngày thứ Ba và thứ Sáu không chờ".

Same definitions as the daily statistics (services/queue/stats.py): waiting time is
issue -> first call, service time first call -> done, and a ticket waited longer
than the promise when it was called after it or never called although the promise
ran out before the end of its day (or before now, for today).

Computed in SQL (issue #16 item 4) by the daily statistics' own query
(queue.stats.tally_tickets): one grouped statement by (day, service group, counter)
counts the tickets — issued, called, served, no-shows, still waiting, expired, never
called and over the promise — and hands over the called tickets' waiting and service
times as exact integer microseconds, for the median, p90 and max
(domain.queue_policy.summarise) and the called-late count. A ward issuing ~2,000
tickets a working day has ~520,000 in the year the Reports screen offers; no ticket
becomes a model object (bench/queue_report.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from sadec_desk.db.queue_models import ServiceGroup
from sadec_desk.i18n import _
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.display import weekday_vi
from sadec_desk.services.queue.stats import Tally, tally_tickets
from sadec_desk.services.reports.figures import Period, QueueReport, WeekdayLine

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def queue_report(ctx: AppContext, period: Period) -> QueueReport:
    require_role(ctx, *REPORT_ROLES)
    now = ctx.now()
    promise_min = ctx.config["queue.wait_promise_minutes"]
    no_wait = set(ctx.config["queue.no_wait_weekdays"])
    office = ctx.office()
    groups = list(ServiceGroup.select().where(ServiceGroup.office == office.id)
                  .order_by(ServiceGroup.position, ServiceGroup.prefix))
    by_weekday: dict[int, Tally] = defaultdict(Tally)
    by_group: dict[int, Tally] = defaultdict(Tally)
    days: dict[int, set[date]] = defaultdict(set)
    for day, group_id, _counter, tally in tally_tickets(
            ctx.database, [g.id for g in groups], period.date_from, period.date_to,
            promise_min * 60, now):
        days[day.weekday()].add(day)
        by_weekday[day.weekday()].add(tally)
        by_group[group_id].add(tally)

    weekdays = []
    for weekday in sorted(days):
        label = weekday_vi(min(days[weekday]))
        weekdays.append(WeekdayLine(
            weekday=weekday, label=label, days=len(days[weekday]),
            no_wait_day=weekday in no_wait,
            stats=by_weekday[weekday].row(str(weekday), label)))
    group_rows = tuple(by_group[g.id].row(g.prefix, g.name) for g in groups if g.id in by_group)
    total = Tally()
    for tally in by_weekday.values():  # sorted by row() above: the total merges sorted runs
        total.add(tally)
    return QueueReport(period=period, promise_minutes=promise_min,
                       total=total.row("all", _("Cả kỳ")), weekdays=tuple(weekdays),
                       groups=group_rows)
