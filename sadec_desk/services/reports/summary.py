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
        rows = tuple_rows(DossierEvent.select(DossierEvent.dossier, DossierEvent.data)
                          .where(DossierEvent.kind == "rescheduled",
                                 DossierEvent.dossier.in_(chunk))
                          .order_by(DossierEvent.seq))
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

    finished_in_period = ((Dossier.office == office_id)
                          & (Dossier.finished_at >= period.start)
                          & (Dossier.finished_at < period.end))
    resolved_rows: dict[str, list] = defaultdict(list)
    refused = withdrawn = 0
    for dossier_id, code, name, status, due_at, finished_at in tuple_rows(
            Dossier.select(Dossier.id, ProcedureRow.code, ProcedureRow.name, Dossier.status,
                           Dossier.due_at, Dossier.finished_at)
            .join(ProcedureRow).where(finished_in_period)):
        names.setdefault(code, name)
        if status in RESOLVED:
            resolved_rows[code].append((dossier_id, due_at, finished_at))
        elif status == DossierStatus.REFUSED.value:
            refused += 1
        elif status == DossierStatus.WITHDRAWN.value:
            withdrawn += 1

    lines = []
    for code in sorted(set(received) | set(resolved_rows)):
        channels = received.get(code) or dict.fromkeys(CHANNELS, 0)
        lines.append(ProcedureLine(
            code=code, name=names[code], received=sum(channels.values()),
            by_channel=tuple((c, channels.get(c, 0)) for c in CHANNELS),
            deadline=deadline_counts(resolved_rows.get(code, []), now)))
    by_channel = tuple((c, sum(dict(line.by_channel)[c] for line in lines)) for c in CHANNELS)
    total = sum(n for _c, n in by_channel)
    all_resolved = [r for rows in resolved_rows.values() for r in rows]

    unfinished = (Dossier.office == office_id) & Dossier.status.in_(_UNFINISHED)
    overdue_now = Dossier.select().where(unfinished & (Dossier.due_at < now)).count()
    due_soon = Dossier.select().where(unfinished & (Dossier.due_at >= now)
                                      & (Dossier.due_at < due_soon_limit(ctx, now))).count()
    return SummaryReport(
        period=period, generated_at=now, received=total, by_channel=by_channel,
        online_share=(dict(by_channel)["online"] / total) if total else None,
        procedures=tuple(lines), deadline=deadline_counts(all_resolved, now),
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
