"""Queue statistics of one day: what keeps "Ngày thứ Ba và thứ Sáu không chờ" honest.

Per day, per service group and per counter: tickets issued, called, served (done),
no-shows, still waiting, expired (not served by the end of their day); waiting time
(issue -> first call) and service time (first call -> done) as median, p90 (nearest
rank) and max; and the tickets that waited longer than the promise
(``queue.wait_promise_minutes``): called after it, or not called although the promise
ran out before the end of the day (or now, for today).

:func:`tally_tickets` counts them in SQL, grouped by (day, service group, counter), for
this day's statistics and for the queue report over a period (services/reports/queue.py,
issue #16 item 4); the same definition ticket by ticket, as it was before, is the tests'
truth (tests/support/queue_report_python.py::stats_row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.database import is_sqlite, translated_errors
from sadec_desk.db.queue_models import Counter, ServiceGroup, Ticket
from sadec_desk.domain.queue_policy import TicketStatus, summarise
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.queue.records import QueueStats, StatsRow

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


# the counts of a Tally, in the order of tally_tickets' count columns
_ISSUED, _CALLED, _SERVED, _NO_SHOWS, _EXPIRED, _WAITING, _OVER = range(7)


@dataclass
class Tally:
    """The figures of a set of tickets, to be added up: issued, called, served, no-shows,
    expired, still waiting, over the promise; waiting and service times in seconds."""

    counts: list[int] = field(default_factory=lambda: [0] * 7)
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for i, n in enumerate(other.counts):
            self.counts[i] += n
        self.waits += other.waits
        self.services += other.services

    def row(self, key: str, label: str) -> StatsRow:
        """The StatsRow (summarise sorts each list twice; sorted once here, in place, those
        sorts are linear passes, and a Tally adding sorted ones merges sorted runs)."""
        self.waits.sort()
        self.services.sort()
        issued, over = self.counts[_ISSUED], self.counts[_OVER]
        return StatsRow(key=key, label=label, issued=issued, called=self.counts[_CALLED],
                        served=self.counts[_SERVED], no_shows=self.counts[_NO_SHOWS],
                        still_waiting=self.counts[_WAITING], waiting=summarise(self.waits),
                        service=summarise(self.services), over_promise=over,
                        over_promise_share=(over / issued) if issued else None,
                        expired=self.counts[_EXPIRED])


def _micros_between(db, later: str, earlier: str) -> str:
    """SQL for the exact whole microseconds from ``earlier`` to ``later``, two stored
    (naive UTC) moments; NULL when either is. PostgreSQL: EXTRACT(EPOCH FROM the interval).
    SQLite's julianday rounds to milliseconds, so the fractions ('.ffffff' after the 19
    characters of 'YYYY-MM-DD HH:MM:SS', none when zero) are read apart, F = their
    difference: the julianday difference in seconds minus F is within 2 ms of the whole
    seconds between the two, rounded it is exact, and F in microseconds is added back
    (julianday of the whole text costs far less than of a substr of it; bench/queue_report.py).
    Divided by 10**6 in Python this is the very float timedelta.total_seconds() gives, so the
    figures equal those counted ticket by ticket."""
    if is_sqlite(db):
        fraction = (f"(CAST(substr({later}, 20) AS REAL) "
                    f"- CAST(substr({earlier}, 20) AS REAL))")
        return (f"CAST(round((julianday({later}) - julianday({earlier})) * 86400 - {fraction})"
                f" * 1000000 + round({fraction} * 1000000) AS INTEGER)")
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


def _seconds(micros) -> list[float]:
    """Durations as float seconds from a text of comma-separated microseconds (SQLite's
    group_concat) or an array (PostgreSQL's array_agg, NULLs included); an integer's
    division by 10**6 is correctly rounded, as timedelta.total_seconds() is."""
    if not micros:
        return []
    if isinstance(micros, str):
        return [us / 1e6 for us in map(int, micros.split(","))]
    return [us / 1e6 for us in micros if us is not None]


def tally_tickets(db, group_ids: list[int], date_from: date, date_to: date, promise_s: int,
                  now: datetime) -> list[tuple[date, int, int | None, Tally]]:
    """(day, service group id, counter id, Tally) of the tickets of ``group_ids`` issued on
    ``date_from``..``date_to``, in one grouped statement (one snapshot). A never-called
    ticket waited until its day's end, or now for today. The waiting and service times come
    per row as exact integer microseconds (group_concat in SQLite, array_agg in PostgreSQL),
    and the tickets called after the promise are counted from them."""
    if not group_ids:
        return []
    p = db.param
    wait = _micros_between(db, "t.called_at", "t.issued_at")
    service = (f"CASE WHEN t.status = {p} "
               f"THEN {_micros_between(db, 't.finished_at', 't.called_at')} END")
    aggregate = "group_concat({})" if is_sqlite(db) else "array_agg({})"
    groups = ", ".join([p] * len(group_ids))
    sql = (f"SELECT t.day, t.service_group_id, t.counter_id, COUNT(*), "
           f"SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.status = {p} THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.status = {p} THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.status = {p} THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.called_at IS NULL AND t.status IN ({p}, {p}) THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN t.called_at IS NULL "
           f"AND t.issued_at < {_never_called_limit(db, promise_s)} THEN 1 ELSE 0 END), "
           f"{aggregate.format(wait)}, {aggregate.format(service)} "
           f"FROM ticket t WHERE t.service_group_id IN ({groups}) "
           f"AND t.day >= {p} AND t.day <= {p} "
           f"GROUP BY t.day, t.service_group_id, t.counter_id")
    done = TicketStatus.DONE.value
    params = (done, TicketStatus.NO_SHOW.value, TicketStatus.EXPIRED.value,
              TicketStatus.WAITING.value, TicketStatus.TRANSFERRED.value,
              Ticket.issued_at.db_value(now - timedelta(seconds=promise_s)), done,
              *group_ids, Ticket.day.db_value(date_from), Ticket.day.db_value(date_to))
    rows = []
    for day, group_id, counter_id, *counts, wait_us, service_us in db.execute_sql(
            sql, params).fetchall():
        waits = _seconds(wait_us)
        counts[_OVER] += sum(1 for w in waits if w > promise_s)  # called after the promise
        rows.append((day if isinstance(day, date) else date.fromisoformat(day), group_id,
                     counter_id, Tally(counts, waits, _seconds(service_us))))
    return rows


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
    with translated_errors():
        office = ctx.office()
        groups = list(ServiceGroup.select().where(ServiceGroup.office == office.id)
                      .order_by(ServiceGroup.position, ServiceGroup.prefix))
        counters = list(Counter.select().where(Counter.office == office.id)
                        .order_by(Counter.number))
        # tickets never called waited until the end of that day (or until now, today)
        rows = tally_tickets(ctx.database, [g.id for g in groups], day, day,
                             promise_min * 60, ctx.now())
    by_group: dict[int, Tally] = {}
    by_counter: dict[int | None, Tally] = {}
    for _day, group_id, counter_id, tally in rows:
        by_group.setdefault(group_id, Tally()).add(tally)
        by_counter.setdefault(counter_id, Tally()).add(tally)
    group_rows = tuple(by_group[g.id].row(g.prefix, g.name) for g in groups if g.id in by_group)
    counter_rows = tuple(by_counter[c.id].row(str(c.number), c.name)
                         for c in counters if c.id in by_counter)
    total = Tally()
    for tally in by_group.values():  # sorted by row() above: the total merges sorted runs
        total.add(tally)
    return QueueStats(day=day, promise_minutes=promise_min,
                      no_wait_day=day.weekday() in ctx.config["queue.no_wait_weekdays"],
                      total=total.row("all", _("Cả ngày")), groups=group_rows,
                      counters=counter_rows)
