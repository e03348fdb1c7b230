"""Dossier figures: received by procedure and channel, early / on time / late, overdue.

The deadline rule (stated for leaders in docs/reports.md): a dossier's result is
judged against its ORIGINAL due time — the one on the receipt (Mẫu 01). An apology
slip (Mẫu 04, TT 01/2018/TT-VPCP Art. 9) admits the delay, so a rescheduled dossier
that meets its new date still counts as late when it finished after the original
due time; the report shows separately how many rescheduled dossiers met their new
date. Early = result on an earlier local day than the due day; on time = on the due
day up to the due moment; late = after it (:func:`domain.lifecycle.deadline_state`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import peewee

from sadec_desk.db.database import is_sqlite
from sadec_desk.db.models import Dossier, DossierEvent
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.lifecycle import (
    FINISHED_STATUSES,
    REPORTED_STATUSES,
    STATUS_LABELS,
    DeadlineState,
    DossierStatus,
    deadline_state,
)
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.services.reports.figures import (
    DeadlineCounts,
    OverdueItem,
    OverdueReport,
    Period,
    ProcedureLine,
    SummaryReport,
)

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

CHANNELS = ("counter", "kiosk", "online", "postal")
RESOLVED = (DossierStatus.DONE.value, DossierStatus.RETURNED.value)
_UNFINISHED = tuple(s.value for s in DossierStatus if s not in FINISHED_STATUSES)
_CHUNK = 500


def _original_dues(dossier_ids: list[int]) -> dict[int, tuple[datetime, int]]:
    """dossier id -> (original due time, number of reschedules), for rescheduled ones."""
    found: dict[int, tuple[datetime, int]] = {}
    for start in range(0, len(dossier_ids), _CHUNK):
        chunk = dossier_ids[start:start + _CHUNK]
        # plain SQL: peewee composing this took longer than running it
        rows = DossierEvent._meta.database.execute_sql(
            "SELECT dossier_id, data FROM dossier_event WHERE kind = 'rescheduled' AND "
            f"dossier_id IN ({', '.join(str(int(i)) for i in chunk)}) ORDER BY seq"
        ).fetchall()
        for dossier_id, data in rows:
            if dossier_id in found:
                first, count = found[dossier_id]
                found[dossier_id] = (first, count + 1)
                continue
            try:
                old_due = datetime.fromisoformat(json.loads(data)["old_due"])
            except (ValueError, KeyError, TypeError):
                continue  # an event without the old date cannot move the original due
            found[dossier_id] = (old_due, 1)
    return found


def deadline_counts(rows: list[tuple[int, datetime, datetime]], now: datetime) -> DeadlineCounts:
    """``rows``: (dossier id, due_at, finished_at) of resolved dossiers."""
    originals = _original_dues([r[0] for r in rows])
    states: Counter = Counter()
    rescheduled = met_new = 0
    for dossier_id, due_at, finished_at in rows:
        original = originals.get(dossier_id)
        states[deadline_state(original[0] if original else due_at, finished_at, now)] += 1
        if original:
            rescheduled += 1
            met_new += deadline_state(due_at, finished_at, now) != DeadlineState.LATE
    resolved = len(rows)
    good = states[DeadlineState.EARLY] + states[DeadlineState.ON_TIME]
    return DeadlineCounts(resolved=resolved, early=states[DeadlineState.EARLY],
                          on_time=states[DeadlineState.ON_TIME],
                          late=states[DeadlineState.LATE],
                          on_time_rate=(good / resolved) if resolved else None,
                          rescheduled=rescheduled, rescheduled_met_new_due=met_new)


def due_soon_limit(ctx: AppContext, now: datetime, working_days: int = 2) -> datetime:
    """End of the ``working_days``-th working day after today (local midnight after it)."""
    today = now.astimezone(VN_TZ).date()
    last = ctx.calendar.add_working_days(today, working_days)
    return datetime.combine(last + timedelta(days=1), time(), tzinfo=VN_TZ)


def _add(a: DeadlineCounts | None, b: DeadlineCounts) -> DeadlineCounts:
    """Two sets of counts as one (the rate recomputed)."""
    if a is None:
        a = DeadlineCounts(0, 0, 0, 0, None, 0, 0)
    resolved = a.resolved + b.resolved
    early, on_time = a.early + b.early, a.on_time + b.on_time
    return DeadlineCounts(resolved=resolved, early=early, on_time=on_time, late=a.late + b.late,
                          on_time_rate=((early + on_time) / resolved) if resolved else None,
                          rescheduled=a.rescheduled + b.rescheduled,
                          rescheduled_met_new_due=(a.rescheduled_met_new_due
                                                   + b.rescheduled_met_new_due))


def _local_day(database, column: str) -> str:
    """SQL for the Vietnam-local calendar day of a stored (naive UTC) moment; Vietnam has
    kept UTC+7 without daylight saving since 1975."""
    offset = datetime(2026, 1, 1, tzinfo=VN_TZ).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    hours = int(offset.total_seconds() // 3600)
    if is_sqlite(database):
        return f"date({column}, '+{hours} hours')"
    return f"CAST({column} + INTERVAL '{hours} hours' AS DATE)"


_RESCHEDULED = ("EXISTS (SELECT 1 FROM dossier_event e WHERE e.dossier_id = d.id "
                "AND e.kind = 'rescheduled')")


def _finished_where(database) -> str:
    return ("d.office_id = ? AND d.finished_at >= ? AND d.finished_at < ?"
            .replace("?", database.param))


def _period_params(office_id: int, period: Period) -> tuple:
    return (office_id, Dossier.finished_at.db_value(period.start),
            Dossier.finished_at.db_value(period.end))


def _finished_groups(ctx: AppContext, office_id: int, period: Period) -> list[tuple]:
    """(procedure code, name, status, count, count never rescheduled, early, on time) of
    the dossiers finished in the period, by procedure and status. Early / on time are
    counted in SQL by the rule of lifecycle.deadline_state for the dossiers never
    rescheduled (their due time is the one on the receipt)."""
    db = ctx.database
    early = f"{_local_day(db, 'd.finished_at')} < {_local_day(db, 'd.due_at')}"
    # each dossier's facts are worked out once, in the inner grouping (a handful of
    # groups), and only then joined to the procedures
    sql = (f"SELECT p.code, p.name, g.status, SUM(g.n), "
           f"SUM(CASE WHEN g.r THEN 0 ELSE g.n END), "
           f"SUM(CASE WHEN g.r THEN 0 WHEN g.e THEN g.n ELSE 0 END), "
           f"SUM(CASE WHEN g.r OR g.e THEN 0 WHEN g.o THEN g.n ELSE 0 END) "
           f"FROM (SELECT d.procedure_id AS pid, d.status AS status, {_RESCHEDULED} AS r, "
           f"{early} AS e, d.finished_at <= d.due_at AS o, COUNT(*) AS n FROM dossier d "
           f"WHERE {_finished_where(db)} GROUP BY 1, 2, 3, 4, 5) g "
           f"JOIN procedure p ON p.id = g.pid GROUP BY p.code, p.name, g.status")
    return [tuple(r) for r in db.execute_sql(sql, _period_params(office_id, period))]


def _rescheduled_resolved(ctx: AppContext, office_id: int, period: Period) -> list[tuple]:
    """(id, procedure code, due_at, finished_at) of the resolved dossiers finished in the
    period that had an apology slip."""
    rows = ctx.database.execute_sql(
        f"SELECT d.id, p.code, d.due_at, d.finished_at FROM dossier d JOIN procedure p "
        f"ON p.id = d.procedure_id WHERE {_finished_where(ctx.database)} "
        f"AND d.status IN ({', '.join([ctx.database.param] * len(RESOLVED))}) "
        f"AND {_RESCHEDULED}",
        (*_period_params(office_id, period), *RESOLVED)).fetchall()
    convert = Dossier.due_at.python_value
    return [(i, code, convert(due), convert(finished)) for i, code, due, finished in rows]


def _unfinished_counts(ctx: AppContext, office_id: int, now: datetime) -> tuple[int, int]:
    """(overdue now, due within 2 working days) of the unfinished dossiers, in one pass over
    the (status, due_at) index."""
    db = ctx.database
    moment, soon = Dossier.due_at.db_value(now), Dossier.due_at.db_value(due_soon_limit(ctx, now))
    sql = (f"SELECT SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN due_at >= ? THEN 1 ELSE 0 END) FROM dossier "
           f"WHERE status IN ({', '.join('?' * len(_UNFINISHED))}) AND due_at < ? "
           f"AND office_id = ?").replace("?", db.param)
    late, near = db.execute_sql(sql, (moment, moment, *_UNFINISHED, soon, office_id)).fetchone()
    return late or 0, near or 0


def summary(ctx: AppContext, period: Period) -> SummaryReport:
    require_role(ctx, *REPORT_ROLES)
    now = ctx.now()
    office_id = ctx.office().id
    in_period = ((Dossier.office == office_id) & (Dossier.received_at >= period.start)
                 & (Dossier.received_at < period.end)
                 & Dossier.status.in_(REPORTED_STATUSES))  # a voided record is no dossier
    received: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHANNELS, 0))
    names: dict[str, str] = {}
    for code, name, channel, count in tuple_rows(
            Dossier.select(ProcedureRow.code, ProcedureRow.name, Dossier.channel,
                           peewee.fn.COUNT(Dossier.id))
            .join(ProcedureRow).where(in_period)
            .group_by(ProcedureRow.code, ProcedureRow.name, Dossier.channel)):
        received[code][channel] = received[code].get(channel, 0) + count
        names.setdefault(code, name)

    resolved: dict[str, DeadlineCounts] = {}
    refused = withdrawn = 0
    for code, name, status, count, plain, early, on_time in _finished_groups(
            ctx, office_id, period):
        names.setdefault(code, name)
        if status in RESOLVED:
            resolved[code] = _add(resolved.get(code), DeadlineCounts(
                resolved=plain, early=early, on_time=on_time, late=plain - early - on_time,
                on_time_rate=None, rescheduled=0, rescheduled_met_new_due=0))
        elif status == DossierStatus.REFUSED.value:
            refused += count
        elif status == DossierStatus.WITHDRAWN.value:
            withdrawn += count
    # a rescheduled dossier is judged against the due time on its receipt, kept in its
    # apology event: the few of them go through deadline_counts
    rescheduled: dict[str, list] = defaultdict(list)
    for dossier_id, code, due_at, finished_at in _rescheduled_resolved(ctx, office_id, period):
        rescheduled[code].append((dossier_id, due_at, finished_at))
    for code, rows in rescheduled.items():
        resolved[code] = _add(resolved.get(code), deadline_counts(rows, now))

    empty = deadline_counts([], now)
    lines = []
    for code in sorted(set(received) | set(resolved)):
        channels = received.get(code) or dict.fromkeys(CHANNELS, 0)
        lines.append(ProcedureLine(
            code=code, name=names[code], received=sum(channels.values()),
            by_channel=tuple((c, channels.get(c, 0)) for c in CHANNELS),
            deadline=_add(resolved.get(code), empty)))
    by_channel = tuple((c, sum(dict(line.by_channel)[c] for line in lines)) for c in CHANNELS)
    total = sum(n for _c, n in by_channel)
    overall = empty
    for line in lines:
        overall = _add(overall, line.deadline)

    overdue_now, due_soon = _unfinished_counts(ctx, office_id, now)
    return SummaryReport(
        period=period, generated_at=now, received=total, by_channel=by_channel,
        online_share=(dict(by_channel)["online"] / total) if total else None,
        procedures=tuple(lines), deadline=overall,
        refused=refused, withdrawn=withdrawn, overdue_now=overdue_now, due_soon=due_soon)


def overdue(ctx: AppContext) -> OverdueReport:
    """Unfinished dossiers past their due time, and those due within 2 working days."""
    require_role(ctx, *REPORT_ROLES)
    now = ctx.now()
    limit = due_soon_limit(ctx, now)
    rows = list(tuple_rows(
        Dossier.select(Dossier.id, Dossier.code, ProcedureRow.code, ProcedureRow.name,
                       Dossier.status, Dossier.channel, Dossier.received_at,
                       Dossier.due_at, Dossier.received_by)
        .join(ProcedureRow)
        .where(Dossier.office == ctx.office().id, Dossier.status.in_(_UNFINISHED),
               Dossier.due_at < limit)
        .order_by(Dossier.due_at, Dossier.code)))
    originals = _original_dues([r[0] for r in rows])
    today = now.astimezone(VN_TZ).date()
    late: list[OverdueItem] = []
    soon: list[OverdueItem] = []
    days_late: dict = {}  # due day -> working days late; thousands of dossiers share a day

    def working_days_late(due_day) -> int:
        if due_day not in days_late:
            days_late[due_day] = max(0, ctx.calendar.working_days_between(due_day, today))
        return days_late[due_day]

    for (dossier_id, code, proc_code, proc_name, status, channel, received_at, due_at,
         received_by) in rows:
        original = originals.get(dossier_id)
        item = OverdueItem(
            code=code, procedure_code=proc_code, procedure_name=proc_name, status=status,
            status_label=STATUS_LABELS[DossierStatus(status)], channel=channel,
            received_at=received_at.astimezone(VN_TZ), due_at=due_at.astimezone(VN_TZ),
            original_due_at=(original[0] if original else due_at).astimezone(VN_TZ),
            rescheduled=original is not None,
            working_days_late=(working_days_late(due_at.astimezone(VN_TZ).date())
                               if due_at < now else 0),
            received_by=received_by)
        (late if due_at < now else soon).append(item)
    return OverdueReport(now=now.astimezone(VN_TZ), due_soon_until=limit,
                         overdue=tuple(late), due_soon=tuple(soon))
