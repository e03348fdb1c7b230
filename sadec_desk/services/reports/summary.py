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

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.database import is_sqlite
from sadec_desk.db.models import Dossier
from sadec_desk.db.models import Procedure as ProcedureRow
from sadec_desk.domain.lifecycle import (
    FINISHED_STATUSES,
    REPORTED_STATUSES,
    STATUS_LABELS,
    DeadlineState,
    DossierStatus,
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
#: the deadline states as _finished_groups numbers them
_STATES = (DeadlineState.EARLY, DeadlineState.ON_TIME, DeadlineState.LATE)
_UNFINISHED = tuple(s.value for s in DossierStatus if s not in FINISHED_STATUSES)


def due_soon_limit(ctx: AppContext, now: datetime, working_days: int = 2) -> datetime:
    """End of the ``working_days``-th working day after today (local midnight after it)."""
    today = now.astimezone(VN_TZ).date()
    last = ctx.calendar.add_working_days(today, working_days)
    return datetime.combine(last + timedelta(days=1), time(), tzinfo=VN_TZ)


def _local_day(database, column: str) -> str:
    """SQL for the Vietnam-local calendar day of a stored (naive UTC) moment; Vietnam has
    kept UTC+7 without daylight saving since 1975."""
    offset = datetime(2026, 1, 1, tzinfo=VN_TZ).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    hours = int(offset.total_seconds() // 3600)
    if is_sqlite(database):
        return f"date({column}, '+{hours} hours')"
    return f"CAST({column} + INTERVAL '{hours} hours' AS DATE)"


def _office_clause(db, office_id: int) -> tuple[str, tuple]:
    """The condition keeping this office's dossiers, or none when the database holds no
    other office. dossier.office_id references office (foreign keys are on), so with one
    office row every dossier is its; the condition would make the database read each
    dossier of an index range for its office_id (a report's main cost, bench/reports.py)."""
    offices = [row[0] for row in db.execute_sql("SELECT id FROM office LIMIT 2").fetchall()]
    if offices == [office_id]:
        return "", ()
    return f" AND d.office_id = {db.param}", (office_id,)


def _received_groups(db, office: tuple[str, tuple], period: Period) -> list[tuple]:
    """(procedure id, channel, count) of the dossiers received in the period."""
    statuses = ", ".join([db.param] * len(REPORTED_STATUSES))  # a voided record is no dossier
    sql = (f"SELECT d.procedure_id, d.channel, COUNT(*) FROM dossier d "
           f"WHERE d.received_at >= {db.param} AND d.received_at < {db.param} "
           f"AND d.status IN ({statuses}){office[0]} GROUP BY d.procedure_id, d.channel")
    value = Dossier.received_at.db_value
    return db.execute_sql(sql, (value(period.start), value(period.end), *REPORTED_STATUSES,
                                *office[1])).fetchall()


def _finished_groups(db, office: tuple[str, tuple], period: Period) -> list[tuple]:
    """(procedure id, status, state, rescheduled, count) of the dossiers finished in the
    period, from the index that holds every column read here (db/models.py). ``state``: 0
    early, 1 on time, 2 late by the rule of lifecycle.deadline_state against the due time
    on the receipt (docs/reports.md): after its moment late, else early on an earlier local
    day; ``rescheduled``: 0 never, 1 and late for the new due time too, 2 and met it."""
    receipt = "COALESCE(d.receipt_due_at, d.due_at)"
    state = (f"CASE WHEN d.finished_at > {receipt} THEN 2 WHEN "
             f"{_local_day(db, 'd.finished_at')} < {_local_day(db, receipt)} THEN 0 ELSE 1 END")
    moved = ("CASE WHEN d.receipt_due_at IS NULL THEN 0 "
             "WHEN d.finished_at <= d.due_at THEN 2 ELSE 1 END")
    sql = (f"SELECT d.procedure_id, d.status, {state}, {moved}, COUNT(*) FROM dossier d "
           f"WHERE d.finished_at >= {db.param} AND d.finished_at < {db.param}{office[0]} "
           f"GROUP BY 1, 2, 3, 4")
    value = Dossier.finished_at.db_value
    return db.execute_sql(sql, (value(period.start), value(period.end), *office[1])).fetchall()


def _unfinished_counts(ctx: AppContext, office: tuple[str, tuple], now: datetime
                       ) -> tuple[int, int]:
    """(overdue now, due within 2 working days) of the unfinished dossiers: two counts of
    ranges of the (status, due_at) index (an expression per row would cost 3x)."""
    db = ctx.database
    moment, soon = Dossier.due_at.db_value(now), Dossier.due_at.db_value(due_soon_limit(ctx, now))
    unfinished = (f"SELECT COUNT(*) FROM dossier d WHERE d.status IN "
                  f"({', '.join([db.param] * len(_UNFINISHED))}){office[0]} AND ")
    late, near = db.execute_sql(
        f"SELECT ({unfinished}d.due_at < {db.param}), "
        f"({unfinished}d.due_at >= {db.param} AND d.due_at < {db.param})",
        (*_UNFINISHED, *office[1], moment, *_UNFINISHED, *office[1], moment, soon)).fetchone()
    return late, near


def _counts(states: Counter, rescheduled: int = 0, met_new: int = 0) -> DeadlineCounts:
    resolved = sum(states.values())
    good = states[DeadlineState.EARLY] + states[DeadlineState.ON_TIME]
    return DeadlineCounts(resolved=resolved, early=states[DeadlineState.EARLY],
                          on_time=states[DeadlineState.ON_TIME],
                          late=states[DeadlineState.LATE],
                          on_time_rate=(good / resolved) if resolved else None,
                          rescheduled=rescheduled, rescheduled_met_new_due=met_new)


def summary(ctx: AppContext, period: Period) -> SummaryReport:
    """The period's figures in three grouped queries (issue #16 item 4): received by
    procedure and channel; finished by procedure and status, judged in SQL against the due
    time on the receipt; the unfinished ones overdue or due soon now."""
    require_role(ctx, *REPORT_ROLES)
    now = ctx.now()
    db = ctx.database
    office_id = ctx.office().id
    office = _office_clause(db, office_id)
    procedures = {pid: (code, name) for pid, code, name in
                  db.execute_sql("SELECT id, code, name FROM procedure").fetchall()}
    names: dict[str, str] = {}

    def code_of(procedure_id: int) -> str:
        code, name = procedures[procedure_id]
        names.setdefault(code, name)
        return code

    received: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHANNELS, 0))
    for procedure_id, channel, count in _received_groups(db, office, period):
        channels = received[code_of(procedure_id)]
        channels[channel] = channels.get(channel, 0) + count

    states: dict[str, Counter] = defaultdict(Counter)
    rescheduled: Counter = Counter()
    met_new: Counter = Counter()
    refused = withdrawn = 0
    for procedure_id, status, state, moved, count in _finished_groups(db, office, period):
        code = code_of(procedure_id)
        if status in RESOLVED:
            states[code][_STATES[state]] += count
            if moved:
                rescheduled[code] += count
                met_new[code] += count if moved == 2 else 0
        elif status == DossierStatus.REFUSED.value:
            refused += count
        elif status == DossierStatus.WITHDRAWN.value:
            withdrawn += count

    lines = []
    for code in sorted(set(received) | set(states)):
        channels = received.get(code) or dict.fromkeys(CHANNELS, 0)
        lines.append(ProcedureLine(
            code=code, name=names[code], received=sum(channels.values()),
            by_channel=tuple((c, channels.get(c, 0)) for c in CHANNELS),
            deadline=_counts(states[code], rescheduled[code], met_new[code])))
    by_channel = tuple((c, sum(dict(line.by_channel)[c] for line in lines)) for c in CHANNELS)
    total = sum(n for _c, n in by_channel)
    overall = _counts(sum(states.values(), Counter()), sum(rescheduled.values()),
                      sum(met_new.values()))

    overdue_now, due_soon = _unfinished_counts(ctx, office, now)
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
        Dossier.select(Dossier.code, ProcedureRow.code, ProcedureRow.name,
                       Dossier.status, Dossier.channel, Dossier.received_at,
                       Dossier.due_at, Dossier.receipt_due_at, Dossier.received_by)
        .join(ProcedureRow)
        .where(Dossier.office == ctx.office().id, Dossier.status.in_(_UNFINISHED),
               Dossier.due_at < limit)
        .order_by(Dossier.due_at, Dossier.code)))
    today = now.astimezone(VN_TZ).date()
    late: list[OverdueItem] = []
    soon: list[OverdueItem] = []
    days_late: dict = {}  # due day -> working days late; thousands of dossiers share a day

    def working_days_late(due_day) -> int:
        if due_day not in days_late:
            days_late[due_day] = max(0, ctx.calendar.working_days_between(due_day, today))
        return days_late[due_day]

    for (code, proc_code, proc_name, status, channel, received_at, due_at, receipt_due_at,
         received_by) in rows:
        item = OverdueItem(
            code=code, procedure_code=proc_code, procedure_name=proc_name, status=status,
            status_label=STATUS_LABELS[DossierStatus(status)], channel=channel,
            received_at=received_at.astimezone(VN_TZ), due_at=due_at.astimezone(VN_TZ),
            original_due_at=(receipt_due_at or due_at).astimezone(VN_TZ),
            rescheduled=receipt_due_at is not None,
            working_days_late=(working_days_late(due_at.astimezone(VN_TZ).date())
                               if due_at < now else 0),
            received_by=received_by)
        (late if due_at < now else soon).append(item)
    return OverdueReport(now=now.astimezone(VN_TZ), due_soon_until=limit,
                         overdue=tuple(late), due_soon=tuple(soon))
