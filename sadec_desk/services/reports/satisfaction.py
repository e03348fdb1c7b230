"""Satisfaction shares over a period (docs/design.md §3.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee

from sadec_desk.db.feedback_models import SatisfactionRating
from sadec_desk.services.access import REPORT_ROLES, require_role
from sadec_desk.services.query_rows import tuple_rows
from sadec_desk.services.reception.feedback import LEVELS, SOURCES
from sadec_desk.services.reports.figures import Period, SatisfactionLine, SatisfactionReport

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def satisfaction_report(ctx: AppContext, period: Period) -> SatisfactionReport:
    require_role(ctx, *REPORT_ROLES)
    R = SatisfactionRating
    where = ((R.office == ctx.office().id) & (R.at >= period.start) & (R.at < period.end))
    counts: dict[tuple[str, str], int] = {
        (level, source): n for level, source, n in
        tuple_rows(R.select(R.level, R.source, peewee.fn.COUNT(R.id)).where(where)
                   .group_by(R.level, R.source))}
    total = sum(counts.values())
    levels = []
    for level, label in LEVELS.items():
        n = sum(v for (lv, _s), v in counts.items() if lv == level)
        levels.append(SatisfactionLine(level=level, label=label(), count=n,
                                       share=(n / total) if total else None))
    satisfied = sum(line.count for line in levels if line.level != "not_satisfied")
    return SatisfactionReport(
        period=period, total=total, levels=tuple(levels),
        satisfied_share=(satisfied / total) if total else None,
        by_channel=tuple((s, sum(v for (_lv, src), v in counts.items() if src == s))
                         for s in SOURCES))
