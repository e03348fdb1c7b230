"""Reports for the commune leader: the entry point of the CLI and the Reports screen.

Periods are local (Asia/Ho_Chi_Minh) calendar days, both ends included. The queries
live in :mod:`sadec_desk.reports`; the rules are stated in docs/reports.md.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sadec_desk.db.database import translated_errors
from sadec_desk.domain.calendar import VN_TZ
from sadec_desk.errors import InvalidInput
from sadec_desk.i18n import _
from sadec_desk.reports import queue as queue_q
from sadec_desk.reports import satisfaction as satisfaction_q
from sadec_desk.reports import summary as summary_q
from sadec_desk.reports.records import (
    OverdueReport,
    Period,
    QueueReport,
    SatisfactionReport,
    SummaryReport,
)

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

MAX_PERIOD_DAYS = 366 * 5


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput(_("{what} '{text}' không phải ngày hợp lệ; dùng dạng YYYY-MM-DD, "
                             "ví dụ 2026-11-01.").format(what=what, text=text)) from None


def make_period(date_from: date | str, date_to: date | str) -> Period:
    """Local days ``date_from``..``date_to`` inclusive."""
    if isinstance(date_from, str):
        date_from = parse_day(date_from, _("Ngày bắt đầu"))
    if isinstance(date_to, str):
        date_to = parse_day(date_to, _("Ngày kết thúc"))
    if date_to < date_from:
        raise InvalidInput(_("Ngày kết thúc {to} trước ngày bắt đầu {start}; hãy đổi lại.")
                           .format(to=date_to.strftime("%d/%m/%Y"),
                                   start=date_from.strftime("%d/%m/%Y")))
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise InvalidInput(_("Kỳ báo cáo dài quá 5 năm; hãy chọn kỳ ngắn hơn."))
    return Period(date_from=date_from, date_to=date_to,
                  start=datetime.combine(date_from, time(), tzinfo=VN_TZ),
                  end=datetime.combine(date_to + timedelta(days=1), time(), tzinfo=VN_TZ))


def summary_report(ctx: AppContext, date_from, date_to) -> SummaryReport:
    """Received by procedure and channel, early/on time/late, on-time rate, overdue counts."""
    period = make_period(date_from, date_to)
    with translated_errors():
        return summary_q.summary(ctx, period)


def overdue_report(ctx: AppContext) -> OverdueReport:
    """Unfinished dossiers past their due time now, and those due in 2 working days."""
    with translated_errors():
        return summary_q.overdue(ctx)


def queue_report(ctx: AppContext, date_from, date_to) -> QueueReport:
    period = make_period(date_from, date_to)
    promise = ctx.config["queue.wait_promise_minutes"]
    if isinstance(promise, bool) or not isinstance(promise, int) or promise < 1:
        raise InvalidInput(_("Thiết lập queue.wait_promise_minutes phải là số phút dương."))
    with translated_errors():
        return queue_q.queue_report(ctx, period)


def satisfaction_report(ctx: AppContext, date_from, date_to) -> SatisfactionReport:
    period = make_period(date_from, date_to)
    with translated_errors():
        return satisfaction_q.satisfaction_report(ctx, period)
