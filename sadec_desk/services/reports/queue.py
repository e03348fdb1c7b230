"""Queue figures over a period, by weekday: checks "Ngày thứ Ba và thứ Sáu không chờ".

Same definitions as the daily statistics (services/queue/stats.py): waiting time is
issue -> first call, service time first call -> done, and a ticket waited longer
than the promise when it was called after it or never called although the promise
ran out before the end of its day (or before now, for today).

Computed in SQL (issue #16 item 4): one grouped query, by (day, service group), counts
the tickets — issued, called, served, no-shows, still waiting, expired, never called
and over the promise — and hands over the called tickets' waiting and service times as
exact integer microseconds (one text or array per row), for the median, p90 and max
(domain.queue_policy.summarise) and the called-late count.
A ward issuing ~2,000 tickets a day has ~500,000 in the year the Reports screen offers;
no ticket becomes a model object (bench/queue_report.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.database import is_sqlite
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

# the counts of one (day, group) row, in the order of _grouped's count columns
_ISSUED, _CALLED, _SERVED, _NO_SHOWS, _EXPIRED, _WAITING, _OVER = range(7)


def micros_between(db, later: str, earlier: str) -> str:
    """SQL for the exact whole microseconds from ``earlier`` to ``later``, two stored
    (naive UTC) moments; NULL when either is. SQLite's julianday keeps milliseconds only, so
    it reads the whole seconds ('YYYY-MM-DD HH:MM:SS', the first 19 characters; the
    difference times 86400, rounded, is exact) and the digits after the point are added apart
    (Python writes six, none when zero); PostgreSQL: EXTRACT(EPOCH FROM the interval).
    Divided by 10**6 in Python this is the very float timedelta.total_seconds() gives, so the
    figures equal services/queue/stats.stats_row's."""
    if is_sqlite(db):
        return (f"(CAST(round((julianday(substr({later}, 1, 19)) "
                f"- julianday(substr({earlier}, 1, 19))) * 86400) AS INTEGER) * 1000000 "
                f"+ CAST(round((CAST(substr({later}, 20) AS REAL) "
                f"- CAST(substr({earlier}, 20) AS REAL)) * 1000000) AS INTEGER))")
    return f"CAST(ROUND(EXTRACT(EPOCH FROM {later} - {earlier}) * 1000000) AS BIGINT)"


def _never_called_limit(db, promise_s: int) -> str:
    """SQL for the issue moment before which a never-called ticket of day ``t.day`` waited
    longer than the promise: its day's local end minus the promise, or now minus the promise
    (the parameter) when that is earlier (today). Stored moments compare as they are."""
    offset = datetime(2026, 1, 1, tzinfo=VN_TZ).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    seconds = 86400 - int(offset.total_seconds()) - promise_s  # local midnight after t.day
    if is_sqlite(db):
        return f"min(datetime(t.day, '{seconds:+d} seconds'), {db.param})"
    return f"LEAST(t.day + INTERVAL '{seconds} seconds', {db.param})"


def _grouped(db, office_id: int, period: Period, promise_s: int, now: datetime
             ) -> list[tuple]:
    """One row per day and service group of the period's tickets: (day, group id, issued,
    called, served, no-shows, expired, still waiting, never called and over the promise,
    the called tickets' waits in microseconds, the served ones' service times in
    microseconds). The durations come as one text of comma-separated integers
    (group_concat) in SQLite, as an array in PostgreSQL. One statement, so one snapshot."""
    p = db.param
    wait = micros_between(db, "t.called_at", "t.issued_at")
    service = (f"CASE WHEN t.status = {p} "
               f"THEN {micros_between(db, 't.finished_at', 't.called_at')} END")
    aggregate = "group_concat({})" if is_sqlite(db) else "array_agg({})"
    sql = (f"SELECT t.day, t.service_group_id, COUNT(*), "
           f"SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.status = {p} THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.status = {p} THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.status = {p} THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.called_at IS NULL AND t.status IN ({p}, {p}) THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.called_at IS NULL "
           f"AND t.issued_at < {_never_called_limit(db, promise_s)} THEN 1 ELSE 0 END), "
           f"{aggregate.format(wait)}, {aggregate.format(service)} "
           f"FROM ticket t WHERE t.office_id = {p} AND t.day >= {p} AND t.day <= {p} "
           f"GROUP BY t.day, t.service_group_id")
    done = TicketStatus.DONE.value
    params = (done, TicketStatus.NO_SHOW.value, TicketStatus.EXPIRED.value,
              TicketStatus.WAITING.value, TicketStatus.TRANSFERRED.value,
              Ticket.issued_at.db_value(now - timedelta(seconds=promise_s)), done,
              office_id, Ticket.day.db_value(period.date_from),
              Ticket.day.db_value(period.date_to))
    return db.execute_sql(sql, params).fetchall()


def _seconds(micros) -> list[float]:
    """The durations of a _grouped row as float seconds (an integer's division by 10**6 is
    correctly rounded, as timedelta.total_seconds() is)."""
    if not micros:
        return []
    if isinstance(micros, str):
        return [us / 1e6 for us in map(int, micros.split(","))]
    return [us / 1e6 for us in micros if us is not None]


def _row(key: str, label: str, counts: list[int], waits: list[float],
         services: list[float]) -> StatsRow:
    issued, over = counts[_ISSUED], counts[_OVER]
    return StatsRow(key=key, label=label, issued=issued, called=counts[_CALLED],
                    served=counts[_SERVED], no_shows=counts[_NO_SHOWS],
                    still_waiting=counts[_WAITING], waiting=summarise(waits),
                    service=summarise(services), over_promise=over,
                    over_promise_share=(over / issued) if issued else None,
                    expired=counts[_EXPIRED])


def queue_report(ctx: AppContext, period: Period) -> QueueReport:
    require_role(ctx, *REPORT_ROLES)
    now = ctx.now()
    promise_min = ctx.config["queue.wait_promise_minutes"]
    no_wait = set(ctx.config["queue.no_wait_weekdays"])
    db = ctx.database
    office = ctx.office()
    groups = list(ServiceGroup.select().where(ServiceGroup.office == office.id)
                  .order_by(ServiceGroup.position, ServiceGroup.prefix))

    def zeros() -> list[int]:
        return [0] * 7

    promise_s = promise_min * 60
    by_weekday: dict[int, list[int]] = defaultdict(zeros)
    by_group: dict[int, list[int]] = defaultdict(zeros)
    total = zeros()
    days: dict[int, set[date]] = defaultdict(set)
    waits_wd: dict[int, list[float]] = defaultdict(list)
    waits_g: dict[int, list[float]] = defaultdict(list)
    services_wd: dict[int, list[float]] = defaultdict(list)
    services_g: dict[int, list[float]] = defaultdict(list)
    for day, group_id, *counts, wait_us, service_us in _grouped(
            db, office.id, period, promise_s, now):
        local_day = day if isinstance(day, date) else date.fromisoformat(day)
        weekday = local_day.weekday()
        days[weekday].add(local_day)
        waits, services = _seconds(wait_us), _seconds(service_us)
        counts[_OVER] += sum(1 for w in waits if w > promise_s)  # called after the promise
        for sums in (by_weekday[weekday], by_group[group_id], total):
            for i, n in enumerate(counts):
                sums[i] += n
        waits_wd[weekday] += waits
        waits_g[group_id] += waits
        services_wd[weekday] += services
        services_g[group_id] += services

    # summarise sorts each list twice (median, p90); sorted once here, those sorts are a
    # linear pass, and the period's list merges the weekdays' sorted runs
    for values in (*waits_wd.values(), *waits_g.values(), *services_wd.values(),
                   *services_g.values()):
        values.sort()
    all_waits = sorted(w for values in waits_wd.values() for w in values)
    all_services = sorted(s for values in services_wd.values() for s in values)
    weekdays = []
    for weekday in sorted(days):
        label = weekday_vi(min(days[weekday]))
        weekdays.append(WeekdayLine(
            weekday=weekday, label=label, days=len(days[weekday]),
            no_wait_day=weekday in no_wait,
            stats=_row(str(weekday), label, by_weekday[weekday], waits_wd[weekday],
                       services_wd[weekday])))
    group_rows = tuple(_row(g.prefix, g.name, by_group[g.id], waits_g[g.id], services_g[g.id])
                       for g in groups if by_group.get(g.id, zeros())[_ISSUED])
    return QueueReport(period=period, promise_minutes=promise_min,
                       total=_row("all", _("Cả kỳ"), total, all_waits, all_services),
                       weekdays=tuple(weekdays), groups=group_rows)
