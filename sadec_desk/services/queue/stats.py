"""Queue statistics of one day: what keeps "Ngày thứ Ba và thứ Sáu không chờ" honest.

Per day, per service group and per counter: tickets issued, called, served (done),
no-shows, still waiting, expired (not served by the end of their day); waiting time
(issue -> first call) and service time (first call -> done) as median, p90 (nearest
rank) and max; and the tickets that waited longer than the promise
(``queue.wait_promise_minutes``): called after it, or not called although the promise
ran out before the end of the day (or now, for today).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.db.queue_models import Counter, ServiceGroup, Ticket
from sadec_desk.domain.queue_policy import TicketStatus, summarise
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.queue.records import QueueStats, StatsRow

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


def queue_stats(ctx: AppContext, day: date | None = None) -> QueueStats:
    """Statistics of ``day`` (default: today, so far)."""
    require_role(ctx, *REPORT_ROLES)
    today = ctx.now().astimezone(VN_TZ).date()
    day = day or today
    if day > today:
        raise InvalidInput(_("Ngày {day} chưa tới; chọn hôm nay hoặc một ngày đã qua.")
                           .format(day=day.strftime("%d/%m/%Y")))
    promise_min = ctx.config["queue.wait_promise_minutes"]
    if isinstance(promise_min, bool) or not isinstance(promise_min, int) or promise_min < 1:
        raise InvalidInput(_("Thiết lập queue.wait_promise_minutes phải là số phút dương."))
    # tickets never called waited until the end of that day (or until now, today)
    horizon = (ctx.now() if day == today
               else datetime.combine(day + timedelta(days=1), time(), tzinfo=VN_TZ))
    with translated_errors():
        office = ctx.office()
        groups = list(ServiceGroup.select().where(ServiceGroup.office == office.id)
                      .order_by(ServiceGroup.position, ServiceGroup.prefix))
        tickets = list(Ticket.select(Ticket.service_group, Ticket.counter, Ticket.status,
                                     Ticket.issued_at, Ticket.called_at, Ticket.finished_at)
                       .where(Ticket.service_group.in_([g.id for g in groups]),
                              Ticket.day == day))
        counters = list(Counter.select().where(Counter.office == office.id)
                        .order_by(Counter.number))
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
