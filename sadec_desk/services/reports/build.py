"""Reports for the commune leader: the entry point of the CLI and the Reports screen,
and their PDF/XLSX exports (the tracking book, Mẫu 06, included).

Periods are local (Asia/Ho_Chi_Minh) calendar days, both ends included. The queries
live in the sibling modules (summary, queue, satisfaction, book); the rules are stated
in docs/reports.md. The forms Mẫu 01–05 are :mod:`sadec_desk.services.documents.dossier_forms`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sadec_desk.db.database import translated_errors
from sadec_desk.domain.timezone import VN_TZ
from sadec_desk.errors import InvalidInput, UserError
from sadec_desk.i18n import _, vietnamese_texts
from sadec_desk.services.access import REPORT_ROLES
from sadec_desk.services.display import channel_label
from sadec_desk.services.documents import pdf
from sadec_desk.services.documents.output import (
    ExportInfo,
    output_path,
    pdf_fonts,
    personal_data_path,
    write_output,
)
from sadec_desk.services.printing import letterhead
from sadec_desk.services.reports import book as book_q
from sadec_desk.services.reports import queue as queue_q
from sadec_desk.services.reports import satisfaction as satisfaction_q
from sadec_desk.services.reports import summary as summary_q
from sadec_desk.services.reports import xlsx
from sadec_desk.services.reports.figures import (
    OverdueReport,
    Period,
    QueueReport,
    SatisfactionReport,
    SummaryReport,
)
from sadec_desk.services.reports.text import minutes, pct, period_text

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext

log = logging.getLogger(__name__)

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
    _require(ctx, REPORT_ROLES)
    period = make_period(date_from, date_to)
    with translated_errors():
        return summary_q.summary(ctx, period)


def overdue_report(ctx: AppContext) -> OverdueReport:
    """Unfinished dossiers past their due time now, and those due in 2 working days."""
    _require(ctx, REPORT_ROLES)
    with translated_errors():
        return summary_q.overdue(ctx)


def queue_report(ctx: AppContext, date_from, date_to) -> QueueReport:
    _require(ctx, REPORT_ROLES)
    period = make_period(date_from, date_to)
    promise = ctx.config["queue.wait_promise_minutes"]
    if isinstance(promise, bool) or not isinstance(promise, int) or promise < 1:
        raise InvalidInput(_("Thiết lập queue.wait_promise_minutes phải là số phút dương."))
    with translated_errors():
        return queue_q.queue_report(ctx, period)


def satisfaction_report(ctx: AppContext, date_from, date_to) -> SatisfactionReport:
    _require(ctx, REPORT_ROLES)
    period = make_period(date_from, date_to)
    with translated_errors():
        return satisfaction_q.satisfaction_report(ctx, period)


# --- the Reports screen ---------------------------------------------------------------

#: the period quick choices of the Reports screen, in the order they are offered
QUICK_PERIODS = ("today", "this_week", "this_month", "last_month", "this_quarter",
                 "this_year")
#: how wide (pixels) the screen shows a chart; the PDF keeps the full 150-dpi picture.
#: The queue chart has a small title in the PDF: it gets more room on its own tab.
SCREEN_CHART_WIDTH = 400
SCREEN_QUEUE_CHART_WIDTH = 600


def quick_period(ctx: AppContext, choice: str) -> Period:
    """A quick choice of the Reports screen as local days, from its first day up to
    today (a period never reaches into the future: "Tháng này" on 26/11 is 01/11–26/11)."""
    today = ctx.now().astimezone(VN_TZ).date()
    if choice == "today":
        start, end = today, today
    elif choice == "this_week":
        start, end = today - timedelta(days=today.weekday()), today
    elif choice == "this_month":
        start, end = today.replace(day=1), today
    elif choice == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    elif choice == "this_quarter":
        start, end = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    elif choice == "this_year":
        start, end = today.replace(month=1, day=1), today
    else:
        raise InvalidInput(_("Kỳ '{choice}' không có; chọn một trong: {known}.").format(
            choice=choice, known=", ".join(QUICK_PERIODS)))
    return make_period(start, end)


def parse_screen_day(text: str, what: str) -> date:
    """A day typed on the screen as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy)."""
    raw = (text or "").strip()
    parts = raw.replace("-", "/").replace(".", "/").split("/")
    try:
        if len(parts) != 3 or len(parts[2]) != 4:
            raise ValueError(raw)
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise InvalidInput(_("{what} '{text}' không phải ngày hợp lệ; nhập dạng ngày/tháng/năm, "
                             "ví dụ 01/11/2026.").format(what=what, text=raw)) from None


def screen_period(date_from: str, date_to: str) -> Period:
    """The period typed in the screen's "Từ ngày" / "Đến ngày" boxes (dd/mm/yyyy)."""
    return make_period(parse_screen_day(date_from, _("Từ ngày")),
                       parse_screen_day(date_to, _("Đến ngày")))


@dataclass(frozen=True)
class ReportCharts:
    """PNG pictures for the screen (None: no Vietnamese font, or nothing to draw)."""

    deadline: bytes | None
    channel: bytes | None
    queue: bytes | None


@dataclass(frozen=True)
class ReportBundle:
    """Everything the Reports screen shows for one period, from one worker call."""

    period: Period
    summary: SummaryReport
    overdue: OverdueReport
    queue: QueueReport
    satisfaction: SatisfactionReport
    charts: ReportCharts
    can_export_book: bool  # the signed-in user may write the tracking book (Mẫu 06)


def _screen_png(png: bytes | None, width: int) -> bytes | None:
    """Scale a chart down for the screen (Tk shows PNG as is; 150 dpi is too big)."""
    if png is None:
        return None
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as picture:
        if picture.width <= width:
            return png
        small = picture.resize((width, round(picture.height * width / picture.width)),
                               Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, format="PNG")
        return out.getvalue()


def report_bundle(ctx: AppContext, date_from, date_to, *, chart_width: int = SCREEN_CHART_WIDTH,
                  queue_chart_width: int = SCREEN_QUEUE_CHART_WIDTH) -> ReportBundle:
    """The four reports of the period (docs/reports.md) and their charts, for the screen."""
    from sadec_desk.services.reports import charts  # matplotlib: loaded when a chart is drawn

    _require(ctx, REPORT_ROLES)
    summary = summary_report(ctx, date_from, date_to)
    period = summary.period
    overdue = overdue_report(ctx)
    queue_r = queue_report(ctx, period.date_from, period.date_to)
    satisfaction = satisfaction_report(ctx, period.date_from, period.date_to)
    try:
        font = letterhead.fonts(ctx).regular
    except UserError as exc:  # the figures still show; the charts need a Vietnamese font
        log.warning("report charts left out: %s", exc)
        images = ReportCharts(None, None, None)
    else:
        images = ReportCharts(
            deadline=_screen_png(charts.deadline_chart(summary, font), chart_width),
            channel=_screen_png(charts.channel_chart(
                summary, font, {c: channel_label(c) for c, _n in summary.by_channel}),
                chart_width),
            queue=_screen_png(charts.queue_chart(queue_r, font), queue_chart_width))
    user = ctx.user
    return ReportBundle(period=period, summary=summary, overdue=overdue, queue=queue_r,
                        satisfaction=satisfaction, charts=images,
                        can_export_book=user is None or user.role in PERSONAL_EXPORT_ROLES)


def default_export_path(ctx: AppContext, kind: str, period: Period) -> Path:
    """Where the save dialog proposes to write an export: the user's documents folder
    (else ``<data dir>/exports``), named after the kind and the period; the book's
    name already carries the personal-data mark the export would add."""
    import platformdirs

    folder = Path(platformdirs.user_documents_dir())
    if not folder.is_dir():
        folder = ctx.config.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
    days = f"{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}"
    if kind == "book":
        return personal_data_path(folder / f"so-theo-doi-{days}.pdf")
    if kind not in ("pdf", "xlsx"):
        raise InvalidInput(_("Định dạng '{fmt}' không hỗ trợ; chọn pdf hoặc xlsx.").format(
            fmt=kind))
    return folder / f"bao-cao-{days}.{kind}"


# --- exports --------------------------------------------------------------------------

#: who may write a file with personal data (the book, the XLSX with the book): the leader
#: and IT (forms handed to the citizen: documents.dossier_forms.FORM_ROLES)
PERSONAL_EXPORT_ROLES = ("leader", "it")
#: the report PDF lists the longest-overdue dossiers; the XLSX has them all
PDF_OVERDUE_ROWS = 100


def _require(ctx: AppContext, roles: tuple[str, ...]) -> None:
    from sadec_desk.services.access import require_role

    require_role(ctx, *roles)


def _report_tables(summary: SummaryReport, overdue: OverdueReport, queue: QueueReport,
                   satisfaction: SatisfactionReport) -> dict[str, list]:
    # each table: the header's labels, then rows of values of any kind (cells format them)
    procedures: list[list[Any]] = [
        [_("Mã TTHC"), _("Thủ tục"), _("Tiếp nhận"), _("Đã giải quyết"),
         _("Trước hạn"), _("Đúng hạn"), _("Quá hạn"), _("Tỷ lệ đúng hạn")]]
    procedures += [[p.code, p.name, p.received, p.deadline.resolved, p.deadline.early,
                    p.deadline.on_time, p.deadline.late, p.deadline.on_time_rate]
                   for p in summary.procedures]
    late: list[list[Any]] = [
        [_("Mã hồ sơ"), _("Thủ tục"), _("Trạng thái"), _("Hẹn trả"), _("Hẹn ban đầu"),
         _("Trễ (ngày làm việc)")]]
    late += [[i.code, i.procedure_name, i.status_label, i.due_at, i.original_due_at,
              i.working_days_late] for i in overdue.overdue]
    weekdays: list[list[Any]] = [
        [_("Thứ"), _("Số ngày"), _("Phiếu"), _("Đã phục vụ"), _("Chờ trung vị (phút)"),
         _("Chờ p90 (phút)"), _("Phục vụ trung vị (phút)"), _("Chờ quá hẹn"),
         _("Tỷ lệ chờ quá hẹn")]]

    def mins(value):
        return None if value is None else round(value / 60, 1)

    for w in queue.weekdays:
        s = w.stats
        weekdays.append([w.label + (_(" (ngày không chờ)") if w.no_wait_day else ""), w.days,
                         s.issued, s.served, mins(s.waiting.median_s), mins(s.waiting.p90_s),
                         mins(s.service.median_s), s.over_promise, s.over_promise_share])
    ratings: list[list[Any]] = [[_("Mức độ"), _("Số lượt"), _("Tỷ lệ")]]
    ratings += [[x.label, x.count, x.share] for x in satisfaction.levels]
    return {"procedures": procedures, "late": late, "weekdays": weekdays, "ratings": ratings}


def _fmt_cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return pct(value) if value <= 1 else f"{value:.1f}".replace(".", ",")
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).strftime("%H:%M\n%d/%m/%Y")
    return str(value)


def export_report(ctx: AppContext, date_from, date_to, *, fmt: str, out: str | Path,
                  book: bool = False) -> ExportInfo:
    """The leader's report as PDF (figures, charts, tables) or XLSX (the tables).

    ``book=True`` (XLSX only) adds the dossier tracking book (Mẫu 06: names, addresses,
    phones) as a sheet: leader/IT only, and the file name says it holds personal data.
    The PDF book is :func:`export_book`.
    """
    _require(ctx, PERSONAL_EXPORT_ROLES if book else REPORT_ROLES)
    from sadec_desk.services.reports import charts  # matplotlib: loaded when a chart is drawn

    if fmt not in ("pdf", "xlsx"):
        raise InvalidInput(_("Định dạng '{fmt}' không hỗ trợ; chọn pdf hoặc xlsx.").format(
            fmt=fmt))
    if book and fmt == "pdf":
        raise InvalidInput(_("Sổ theo dõi hồ sơ (Mẫu 06) dạng PDF là một tệp riêng (khổ A4 "
                             "ngang): dùng 'sadec-desk report book'."))
    path = output_path(out, fmt, book)
    period = make_period(date_from, date_to)
    with translated_errors():
        summary = summary_q.summary(ctx, period)
        overdue_r = summary_q.overdue(ctx)
        queue_r = queue_q.queue_report(ctx, period)
        satisfaction = satisfaction_q.satisfaction_report(ctx, period)
        rows = book_q.book_rows(ctx, period) if book else None
        office_name = letterhead.office_name(ctx)
    tables = _report_tables(summary, overdue_r, queue_r, satisfaction)
    generated = _("Lập lúc {when} bằng Sa Đéc Desk").format(
        when=ctx.now().astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"))
    pages = None
    if fmt == "xlsx":
        d = summary.deadline
        overview = [[_("Chỉ tiêu"), _("Giá trị")],
                    [_("Kỳ báo cáo"), period_text(period)],
                    [_("Hồ sơ tiếp nhận"), summary.received],
                    *[[channel_label(c), n] for c, n in summary.by_channel],
                    [_("Tỷ lệ nộp trực tuyến"), summary.online_share],
                    [_("Đã giải quyết"), d.resolved], [_("Trước hạn"), d.early],
                    [_("Đúng hạn"), d.on_time], [_("Quá hạn"), d.late],
                    [_("Tỷ lệ đúng hạn"), d.on_time_rate],
                    [_("Đã hẹn lại (Mẫu 04)"), d.rescheduled],
                    [_("Từ chối"), summary.refused], [_("Rút hồ sơ"), summary.withdrawn],
                    [_("Đang quá hạn"), summary.overdue_now],
                    [_("Sắp đến hạn (2 ngày làm việc)"), summary.due_soon],
                    [_("Lượt đánh giá hài lòng"), satisfaction.total],
                    [_("Tỷ lệ hài lòng"), satisfaction.satisfied_share]]
        sheets = [(_("Tổng hợp"), overview, [40, 30], [1]),
                  (_("Theo thủ tục"), tables["procedures"], [12, 50, 11, 13, 11, 11, 11, 14], [7]),
                  (_("Quá hạn"), tables["late"], [28, 45, 18, 18, 18, 12], []),
                  (_("Xếp hàng"), tables["weekdays"], [22, 9, 9, 11, 14, 12, 16, 12, 14], [8]),
                  (_("Hài lòng"), tables["ratings"], [22, 10, 10], [2])]
        write_output(path, lambda f: xlsx.write_workbook(f, sheets, rows))
    else:
        fonts = pdf_fonts(ctx)
        d = summary.deadline
        sections = [
            pdf.ReportSection(_("1. Giải quyết hồ sơ"), lines=(
                _("Hồ sơ tiếp nhận: {n}; tỷ lệ nộp trực tuyến {v}.").format(
                    n=summary.received, v=pct(summary.online_share)),
                _("Đã giải quyết {n}: trước hạn {e}, đúng hạn {o}, quá hạn {late} — tỷ lệ đúng "
                  "hạn {rate}.").format(n=d.resolved, e=d.early, o=d.on_time, late=d.late,
                                        rate=pct(d.on_time_rate)),
                _("Có xin lỗi, hẹn lại (Mẫu 04): {n}, trong đó kịp hẹn mới {m} (vẫn tính quá hạn "
                  "theo hẹn ban đầu). Từ chối {r}, rút hồ sơ {w}.").format(
                    n=d.rescheduled, m=d.rescheduled_met_new_due, r=summary.refused,
                    w=summary.withdrawn)),
                chart=charts.deadline_chart(summary, fonts.regular)),
            pdf.ReportSection(_("2. Tiếp nhận theo kênh"), chart=charts.channel_chart(
                summary, fonts.regular, {c: channel_label(c) for c, _n in summary.by_channel})),
            pdf.ReportSection(_("3. Theo thủ tục hành chính"), table=tuple(
                tuple(_fmt_cell(v) for v in row) for row in tables["procedures"]),
                widths=(0.11, 0.35, 0.09, 0.1, 0.08, 0.08, 0.08, 0.11)),
            pdf.ReportSection(_("4. Hồ sơ quá hạn và sắp đến hạn"), lines=(
                _("Đang quá hạn: {n}; đến hạn trong 2 ngày làm việc: {m}.").format(
                    n=len(overdue_r.overdue), m=len(overdue_r.due_soon)),
                *((_("Bảng dưới liệt kê {k} hồ sơ quá hạn lâu nhất; danh sách đầy đủ có trong "
                     "bản XLSX.").format(k=PDF_OVERDUE_ROWS),)
                  if len(overdue_r.overdue) > PDF_OVERDUE_ROWS else ())),
                table=tuple(tuple(_fmt_cell(v) for v in row)
                            for row in tables["late"][:PDF_OVERDUE_ROWS + 1])
                if overdue_r.overdue else (),
                widths=(0.31, 0.23, 0.11, 0.12, 0.12, 0.11)),
            pdf.ReportSection(_("5. Xếp hàng"), lines=(
                _("Thời gian chờ đã hứa: {m} phút. Cả kỳ: {n} phiếu, chờ trung vị {w}, chờ quá "
                  "hẹn {o} ({s}).").format(m=queue_r.promise_minutes, n=queue_r.total.issued,
                                          w=minutes(queue_r.total.waiting.median_s),
                                          o=queue_r.total.over_promise,
                                          s=pct(queue_r.total.over_promise_share)),),
                table=tuple(tuple(_fmt_cell(v) for v in row) for row in tables["weekdays"])
                if queue_r.weekdays else (),
                widths=(0.15, 0.09, 0.08, 0.09, 0.12, 0.1, 0.13, 0.1, 0.14),
                chart=charts.queue_chart(queue_r, fonts.regular)),
            pdf.ReportSection(_("6. Mức độ hài lòng"), lines=(
                _("{n} lượt đánh giá; tỷ lệ hài lòng {v}.").format(
                    n=satisfaction.total, v=pct(satisfaction.satisfied_share)),),
                table=tuple(tuple(_fmt_cell(v) for v in row) for row in tables["ratings"]),
                widths=(0.4, 0.2, 0.2)),
        ]

        def write(f):
            pdf.write_report_pdf(f, title=_("BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ"),
                                 office_name=office_name, period_text=period_text(period),
                                 generated_text=generated, sections=sections)

        write_output(path, write)
    # file names are left out of the log: a clerk may name a file after a citizen
    log.info("report export (%s), personal data: %s", fmt, book)
    return ExportInfo(path=str(path), format=fmt, personal_data=book, pages=pages)


def export_book(ctx: AppContext, date_from, date_to, *, out: str | Path) -> ExportInfo:
    """The dossier tracking book (Mẫu 06, A4 landscape PDF): leader/IT only. An official
    book: Vietnamese whatever the interface language (sadec_desk/i18n.py)."""
    _require(ctx, PERSONAL_EXPORT_ROLES)
    path = output_path(out, "pdf", True)
    period = make_period(date_from, date_to)
    with translated_errors():
        with vietnamese_texts():  # the status names in the rows' notes
            rows = book_q.book_rows(ctx, period)
        office_name = letterhead.office_name(ctx)
    pdf_fonts(ctx)
    with vietnamese_texts():
        generated = _("Lập lúc {when} bằng Sa Đéc Desk").format(
            when=ctx.now().astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"))
        period_words = period_text(period)
    pages_box = {}

    def write(f):
        pages_box["n"] = pdf.write_book_pdf(f, office_name=office_name,
                                            period_text=period_words, rows=rows,
                                            footer=generated)

    write_output(path, write)
    log.info("book export: %d dossiers, %d pages", len(rows), pages_box["n"])
    return ExportInfo(path=str(path), format="pdf", personal_data=True, pages=pages_box["n"])
